import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LambdaFunction } from '../../emulator/lambda-runtime.js';
import { BENCH_PATH, signedRequest } from './signed-webhooks.js';
import { type LatencySummary, summarize } from './statistics.js';

/**
 * The emulator's own share of a capture: one invocation of a function that does nothing, with
 * an API event the size of a capture's, through the same execution environment machinery
 * (JSON encoding, the message to the worker thread and back, result parsing).
 */
export async function measureWorkerHop(invocations: number): Promise<LatencySummary> {
  const dir = mkdtempSync(join(tmpdir(), 'webhooks-bench-hop-'));
  const handlerFile = join(dir, 'index.mjs');
  writeFileSync(
    handlerFile,
    "export const handler = async () => ({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{\"id\":\"00000000-0000-5000-8000-000000000000\"}' });\n",
  );
  const fn = new LambdaFunction(
    {
      logicalId: 'BenchNoop',
      functionName: 'bench-noop',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-noop',
      handlerFile,
      handlerName: 'handler',
      timeoutSeconds: 10,
      memorySize: 512,
      environment: {},
    },
    { maxConcurrency: 1, logSink: () => {} },
  );
  try {
    await fn.warm();
    const { body, headers } = signedRequest();
    const event = {
      version: '2.0',
      routeKey: `POST ${BENCH_PATH.replace('stripe', '{provider}')}`,
      rawPath: BENCH_PATH,
      rawQueryString: '',
      headers: { host: '127.0.0.1', 'content-length': String(body.length), ...headers },
      pathParameters: { provider: 'stripe' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        http: { method: 'POST', path: BENCH_PATH, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        requestId: 'bench',
        stage: '$default',
        timeEpoch: Date.now(),
      },
      body,
      isBase64Encoded: false,
    };
    for (let i = 0; i < 200; i++) await fn.invoke(event);
    const latencies: number[] = [];
    for (let i = 0; i < invocations; i++) {
      const t0 = performance.now();
      await fn.invoke(event);
      latencies.push(performance.now() - t0);
    }
    return summarize(latencies);
  } finally {
    await fn.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
