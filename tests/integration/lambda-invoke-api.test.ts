import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  type InvokeCommandInput,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiGateway } from '../../emulator/api-gateway.js';
import { registerLambdaInvokeApi } from '../../emulator/lambda-invoke-api.js';
import { LambdaFunction, MAX_PAYLOAD_BYTES } from '../../emulator/lambda-runtime.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localClientConfig } from '../../emulator/local-aws.js';

/*
 * The emulator's Lambda Invoke API, called by the real AWS SDK client over HTTP on 127.0.0.1:
 * the request the SDK builds (function name or ARN in the path, the invocation type header, the
 * payload) and the answers it parses (payload, X-Amz-Function-Error, Lambda's error types). The
 * function runs in the emulator's runtime (a worker thread), as the stack's functions do.
 */
const NAME = 'WebhookReceiver-EchoFunction-Test';
const ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${NAME}`;

const HANDLER = `
  export const handler = async (event, context) => {
    if (event.action === 'throw') {
      const error = new TypeError('boom');
      throw error;
    }
    if (event.action === 'hang') await new Promise(() => {});
    return { echo: event, functionName: context.functionName };
  };
`;

let dir: string;
let fn: LambdaFunction;
let app: FastifyInstance;
let lambda: LambdaClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-invoke-api-'));
  fs.writeFileSync(path.join(dir, 'index.mjs'), HANDLER);
  fn = new LambdaFunction(
    {
      logicalId: 'EchoFunction',
      functionName: NAME,
      functionArn: ARN,
      handlerFile: path.join(dir, 'index.mjs'),
      handlerName: 'handler',
      timeoutSeconds: 1,
      memorySize: 128,
      environment: {},
    },
    { maxConcurrency: 2, logSink: () => {} },
  );
  app = buildApiGateway({
    routes: [],
    apiId: 'local',
    accountId: LOCAL_ACCOUNT_ID,
    extend: (instance) =>
      registerLambdaInvokeApi(instance, {
        functions: [fn],
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        log: pino({ level: 'silent' }),
      }),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  // No SDK retries: each test sees exactly what the API answered.
  lambda = new LambdaClient({ ...localClientConfig(address), maxAttempts: 1 });
});
afterAll(async () => {
  lambda?.destroy();
  await app?.close();
  await fn?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const payload = (value: unknown) => Buffer.from(JSON.stringify(value));
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const invoke = (input: Partial<InvokeCommandInput>) =>
  lambda.send(new InvokeCommand({ FunctionName: NAME, ...input }));

describe('Invoke (RequestResponse)', () => {
  it.each([
    ['its name', NAME],
    ['its ARN', ARN],
    ['a partial ARN', `${LOCAL_ACCOUNT_ID}:function:${NAME}`],
    ['its name with $LATEST', `${NAME}:$LATEST`],
  ])('runs the function named by %s and returns its result as the payload', async (_, name) => {
    const output = await invoke({ FunctionName: name, Payload: payload({ hello: 'world' }) });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(output.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(text(output.Payload))).toEqual({
      echo: { hello: 'world' },
      functionName: NAME,
    });
  });

  it('passes {} when there is no payload, as Lambda does', async () => {
    const output = await invoke({});
    expect(JSON.parse(text(output.Payload))).toMatchObject({ echo: {} });
  });

  it('accepts the Qualifier $LATEST', async () => {
    const output = await invoke({ Qualifier: '$LATEST', Payload: payload({}) });
    expect(output.StatusCode).toBe(200);
  });

  it('reports an error thrown by the function as FunctionError Unhandled, with its type and message', async () => {
    const output = await invoke({ Payload: payload({ action: 'throw' }) });
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(output.Payload))).toEqual({
      errorType: 'TypeError',
      errorMessage: 'boom',
    });
  });

  it('reports the function timing out as FunctionError Unhandled, Sandbox.Timedout', async () => {
    const output = await invoke({ Payload: payload({ action: 'hang' }) });
    expect(output.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(output.Payload))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 1.00 seconds',
    });
  });
});

describe("Lambda's own errors, as the SDK's exception classes", () => {
  it.each([
    ['an unknown name', { FunctionName: 'no-such-function' }],
    ['another account', { FunctionName: ARN.replace(LOCAL_ACCOUNT_ID, '123456789012') }],
    ['another region', { FunctionName: ARN.replace(LOCAL_REGION, 'eu-west-1') }],
    ['a version that does not exist locally', { FunctionName: NAME, Qualifier: '1' }],
  ])('ResourceNotFoundException for %s', async (_, input) => {
    const error = await invoke(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((error as Error).message).toMatch(/^Function not found: arn:aws:lambda:/);
  });

  it('InvalidRequestContentException for a payload that is not JSON', async () => {
    const error = await invoke({ Payload: Buffer.from('{not json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestContentException);
    expect((error as InvalidRequestContentException).$metadata.httpStatusCode).toBe(400);
  });

  it('RequestTooLargeException for a payload over 6 MB', async () => {
    const big = payload({ data: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    const error = await invoke({ Payload: big }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTooLargeException);
    expect((error as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
  });

  it('refuses the invocation types it does not emulate, saying so', async () => {
    for (const InvocationType of ['Event', 'DryRun'] as const) {
      const error = await invoke({ InvocationType, Payload: payload({}) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect((error as Error).message).toMatch(/only RequestResponse/);
    }
  });
});
