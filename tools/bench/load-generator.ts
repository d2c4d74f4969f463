// The benchmark's load generator. It runs in a process of its own (see LoadGenerator), so the
// load it makes never shares an event loop with the stack it measures, and it builds and signs
// every request before the clock starts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import { localClientConfig } from '../../emulator/local-aws.js';
import { DynamoDBWebhookLedger } from '../../services/webhooks/dynamodb-webhook-ledger.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import {
  BENCH_PATH,
  capturedWebhook,
  pool,
  type SignedRequest,
  signedRequest,
} from './signed-webhooks.js';
import { type LatencySummary, round, summarize } from './statistics.js';

/** `concurrency` requests always in flight, for `durationMs`, after an unmeasured warm-up. */
interface ClosedLoop {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** How many distinct items to build up front; more are built on the fly (and counted). */
  readonly poolSize: number;
}

export type LoadJob =
  | ({ kind: 'storage'; endpoint: string; tableName: string; retentionDays: number } & ClosedLoop)
  | ({ kind: 'http'; url: string } & ClosedLoop)
  | {
      kind: 'paced-http';
      url: string;
      ratePerSecond: number;
      warmupMs: number;
      durationMs: number;
      maxInFlight: number;
      extraHeaders?: Record<string, string>;
    }
  | { kind: 'verify-cost'; iterations: number };

export interface LoadResult {
  /** Operations that finished inside the measured window. */
  readonly completed: number;
  readonly throughput: number;
  readonly latency: LatencySummary;
  /** Connection errors, timeouts, 5xx answers, or storage errors. */
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
  readonly poolSize: number;
  /** Items built during the measurement because the pool ran out (0 means none). */
  readonly builtOnTheFly: number;
  /** Operations of the unmeasured warm-up before the measured window. */
  readonly warmupOperations?: number;
  readonly durationMs: number;
  /**
   * paced-http only: each new webhook's id, when its request was due (epoch ms; open loop, so a
   * stall counts against every request that waited) and when it was acknowledged.
   */
  readonly accepted?: Array<{ id: string; status: number; sentAt: number; acceptedAt: number }>;
  /** verify-cost only: microseconds per verification. */
  readonly microsecondsPerVerify?: number;
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }),
    (error: Error) => process.send?.({ ok: false, error: error.stack ?? String(error) }),
  );
});

function run(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'storage':
      return storage(job);
    case 'http':
      return closedLoopHttp(job);
    case 'paced-http':
      return pacedHttp(job);
    case 'verify-cost':
      return Promise.resolve(verifyCost(job.iterations));
  }
}

/** The capture transaction straight to DynamoDB Local: the ledger's `create`, as capture calls it. */
async function storage(job: Extract<LoadJob, { kind: 'storage' }>): Promise<LoadResult> {
  // The same client settings as services/shared/aws-clients.ts, with enough sockets for every
  // request in flight (the SDK's default agent stops at 50).
  const client = new DynamoDBClient({
    ...localClientConfig(job.endpoint),
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      httpAgent: new Agent({ keepAlive: true, maxSockets: Math.max(50, job.concurrency) }),
    },
  });
  const store = new DynamoDBWebhookLedger({
    client: DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName: job.tableName,
    retentionDays: job.retentionDays,
  });
  try {
    const make = () => capturedWebhook(signedRequest());
    const warmup = await closedLoop(
      job.concurrency,
      job.warmupMs,
      pool(job.concurrency * 20, make),
      async (w) => {
        await store.create(w);
        return 'warmup';
      },
    );
    const measured = await closedLoop(
      job.concurrency,
      job.durationMs,
      pool(job.poolSize, make),
      async (webhook: Webhook) => (await store.create(webhook)).outcome,
      make,
    );
    return { ...measured, warmupOperations: warmup.latency.count };
  } finally {
    client.destroy();
  }
}

/** Runs `concurrency` loops until the deadline; each takes the next item of the pool. */
async function closedLoop<T>(
  concurrency: number,
  durationMs: number,
  items: T[],
  operation: (item: T) => Promise<string>,
  make?: () => T,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let next = 0;
  let builtOnTheFly = 0;
  let completed = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      let item = items[next++];
      if (item === undefined) {
        if (!make) return;
        item = make();
        builtOnTheFly++;
      }
      const t0 = performance.now();
      let status: string;
      try {
        status = await operation(item);
      } catch (error) {
        status = (error as Error).name;
        errors++;
      }
      const t1 = performance.now();
      latencies.push(t1 - t0);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (t1 <= deadline) completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return {
    completed,
    throughput: round(completed / (durationMs / 1000), 1),
    latency: summarize(latencies),
    errors,
    statusCounts,
    poolSize: items.length,
    builtOnTheFly,
    durationMs,
  };
}

/** Capture through the API with autocannon, `concurrency` connections, pre-signed bodies. */
async function closedLoopHttp(job: Extract<LoadJob, { kind: 'http' }>): Promise<LoadResult> {
  const warmup = await autocannonRun(
    job.url,
    job.concurrency,
    job.warmupMs,
    pool(job.concurrency * 20, () => signedRequest()),
  );
  const measured = await autocannonRun(
    job.url,
    job.concurrency,
    job.durationMs,
    pool(job.poolSize, () => signedRequest()),
  );
  return { ...measured, warmupOperations: warmup.latency.count };
}

async function autocannonRun(
  url: string,
  connections: number,
  durationMs: number,
  requests: SignedRequest[],
): Promise<LoadResult> {
  let next = 0;
  let builtOnTheFly = 0;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const instance = autocannon({
    url,
    connections,
    duration: durationMs / 1000,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: BENCH_PATH,
        setupRequest: (request) => {
          let signed = requests[next++];
          if (!signed) {
            signed = signedRequest();
            builtOnTheFly++;
          }
          return { ...request, headers: signed.headers, body: signed.body };
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
  });
  const result = await instance;
  const completed = latencies.length;
  let serverErrors = 0;
  for (const [status, count] of Object.entries(statusCounts))
    if (Number(status) >= 500) serverErrors += count;
  return {
    completed,
    throughput: round(completed / result.duration, 1),
    latency: summarize(latencies),
    errors: result.errors + serverErrors,
    statusCounts: {
      ...statusCounts,
      ...(result.errors > 0 ? { connectionErrors: result.errors } : {}),
      ...(result.timeouts > 0 ? { timeouts: result.timeouts } : {}),
    },
    poolSize: requests.length,
    builtOnTheFly,
    durationMs: Math.round(result.duration * 1000),
  };
}

/**
 * An open-loop sender: one request every 1/rate seconds whatever the answers, each latency taken
 * from when the request was due (so a stall shows up in every request that waited for it, and
 * the figures are free of coordinated omission).
 */
async function pacedHttp(job: Extract<LoadJob, { kind: 'paced-http' }>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxInFlight });
  try {
    const warmup = job.warmupMs > 0 ? await paced(job, agent, job.warmupMs) : undefined;
    const measured = await paced(job, agent, job.durationMs);
    return { ...measured, warmupOperations: warmup?.latency.count ?? 0 };
  } finally {
    agent.destroy();
  }
}

async function paced(
  job: Extract<LoadJob, { kind: 'paced-http' }>,
  agent: Agent,
  durationMs: number,
): Promise<LoadResult> {
  const count = Math.max(1, Math.round((job.ratePerSecond * durationMs) / 1000));
  const requests = pool(count, () => signedRequest(job.extraHeaders));
  const interval = 1000 / job.ratePerSecond;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const accepted: NonNullable<LoadResult['accepted']> = [];
  let errors = 0;
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const signed = requests[i]!;
    inFlight.push(
      post(agent, `${job.url}${BENCH_PATH}`, signed).then(
        ({ status, body }) => {
          const now = performance.now();
          latencies.push(now - due);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (status >= 500) errors++;
          if (status === 202)
            accepted.push({
              id: (JSON.parse(body) as { id: string }).id,
              status,
              sentAt: performance.timeOrigin + due,
              acceptedAt: performance.timeOrigin + now,
            });
        },
        (error: Error) => {
          errors++;
          statusCounts[error.message] = (statusCounts[error.message] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = performance.now() - start;
  return {
    completed: latencies.length,
    throughput: round(latencies.length / (elapsed / 1000), 1),
    latency: summarize(latencies),
    errors,
    statusCounts,
    poolSize: count,
    builtOnTheFly: 0,
    durationMs: Math.round(elapsed),
    accepted,
  };
}

function post(
  agent: Agent,
  url: string,
  signed: SignedRequest,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...signed.headers, 'content-length': Buffer.byteLength(signed.body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(signed.body);
  });
}

/** What verifying one Stripe signature costs on this machine (the capture function does one). */
function verifyCost(iterations: number): LoadResult {
  const requests = pool(iterations, () => signedRequest());
  for (const r of requests.slice(0, 200)) capturedWebhook(r);
  const start = performance.now();
  for (const r of requests) capturedWebhook(r);
  const elapsed = performance.now() - start;
  return {
    completed: iterations,
    throughput: 0,
    latency: summarize([]),
    errors: 0,
    statusCounts: {},
    poolSize: iterations,
    builtOnTheFly: 0,
    durationMs: Math.round(elapsed),
    microsecondsPerVerify: round((elapsed * 1000) / iterations, 1),
  };
}
