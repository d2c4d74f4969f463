// One Lambda execution environment: a worker thread with its own module instance and
// process.env. It imports the function's bundle once (the cold start) and then runs one
// invocation at a time, as Lambda does.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { handlerFile, handlerName, functionName, functionArn, memorySize } = workerData;

function errorPayload(error) {
  const isError = error instanceof Error;
  return {
    errorType: isError ? error.name : 'Error',
    errorMessage: isError ? error.message : String(error),
    trace: isError && error.stack ? error.stack.split('\n') : [],
  };
}

let handler;
try {
  const module = await import(pathToFileURL(handlerFile).href);
  handler = module[handlerName];
  if (typeof handler !== 'function') {
    throw new Error(`${handlerFile} does not export a function named ${handlerName}`);
  }
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: errorPayload(error) });
}

parentPort.on('message', async ({ id, event, deadline }) => {
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memorySize),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(event), context);
    // Lambda serialises the response as JSON; so do we, so nothing unserialisable slips through.
    parentPort.postMessage({
      type: 'result',
      id,
      ok: true,
      result: result === undefined ? 'null' : JSON.stringify(result),
    });
  } catch (error) {
    parentPort.postMessage({ type: 'result', id, ok: false, error: errorPayload(error) });
  }
});
