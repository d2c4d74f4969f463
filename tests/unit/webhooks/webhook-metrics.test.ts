import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildFunctionUrlEvent } from '../../../emulator/function-url.js';
import { handler as captureHandler } from '../../../services/handlers/capture.js';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';
import { PermanentError } from '../../../services/shared/errors.js';
import {
  createMetrics,
  flushMetrics,
  type Metrics,
  publishingMetrics,
} from '../../../services/shared/metrics.js';
import { processQueueRecords } from '../../../services/webhooks/queue-records.js';
import { processStreamRecords } from '../../../services/webhooks/stream-records.js';
import type { Webhook } from '../../../services/webhooks/webhook.js';
import { toWebhookItem } from '../../../services/webhooks/webhook-item.js';
import {
  recordAttempt,
  recordCapture,
  recordSweep,
} from '../../../services/webhooks/webhook-metrics.js';
import { METRIC } from '../../../stack/metrics-schema.js';
import { webhookKey } from '../../../stack/table-schema.js';
import { inMemoryProcessDependencies } from '../../helpers/in-memory-process-dependencies.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/*
 * What the functions emit, asserted on Powertools' Embedded Metric Format output: the JSON lines
 * on stdout that CloudWatch Logs turns into metrics on AWS. No AWS here.
 */

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

let stdout: string[];
let logLines: string[];
beforeEach(() => {
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every EMF document written so far (the other lines are the logger's). */
function emitted(): Emf[] {
  return stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line): line is Emf => '_aws' in line);
}

/** metric name → its values (a number, or the list of values of a repeated metric), over all documents. */
function values(docs: Emf[] = emitted()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const doc of docs) {
    for (const { Name } of doc._aws.CloudWatchMetrics[0]!.Metrics) out[Name] = doc[Name];
  }
  return out;
}

const SERVICE = 'WebhookStack-test';
function testMetrics(): Metrics {
  logLines = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  return createMetrics({ namespace: 'WebhookReceiverTest', serviceName: SERVICE }, log);
}

describe('capture', () => {
  it('counts a stored webhook and a duplicate in the namespace, by service', () => {
    const metrics = testMetrics();
    recordCapture(metrics, { kind: 'stored' });
    recordCapture(metrics, { kind: 'duplicate' });
    flushMetrics(metrics);

    const [doc, ...rest] = emitted();
    expect(rest).toEqual([]);
    expect(doc!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'WebhookReceiverTest',
        Dimensions: [['service']],
        Metrics: [
          { Name: METRIC.received, Unit: 'Count' },
          { Name: METRIC.duplicate, Unit: 'Count' },
        ],
      },
    ]);
    expect(doc).toMatchObject({ service: SERVICE, [METRIC.received]: 1, [METRIC.duplicate]: 1 });
  });

  it('counts a rejection under its error code, a dimension of that metric alone', () => {
    const metrics = testMetrics();
    recordCapture(metrics, { kind: 'stored' });
    recordCapture(metrics, { kind: 'rejected', errorCode: 'invalid_signature' });
    flushMetrics(metrics);

    const docs = emitted();
    expect(docs).toHaveLength(2);
    const rejected = docs.find((d) => METRIC.rejected in d)!;
    expect(rejected._aws.CloudWatchMetrics[0]).toMatchObject({
      Dimensions: [['service', 'errorCode']],
      Metrics: [{ Name: METRIC.rejected, Unit: 'Count' }],
    });
    expect(rejected).toMatchObject({ service: SERVICE, errorCode: 'invalid_signature' });
    const stored = docs.find((d) => METRIC.received in d)!;
    expect(stored).not.toHaveProperty('errorCode');
    expect(stored._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  });

  it('emits from the handler itself: a request for no route is a rejection, flushed before it returns', async () => {
    const event = buildFunctionUrlEvent(
      { method: 'GET', url: '/nowhere', headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1' },
      { urlId: 'abcdefghijklmnopqrstuvwxyz012345', region: 'us-east-1' },
    );
    const response = await captureHandler(event);
    expect(response.statusCode).toBe(404);
    const [doc, ...rest] = emitted();
    expect(rest).toEqual([]);
    // The function's defaults when the stack has not set them (it always does).
    expect(doc).toMatchObject({
      service: 'webhook-receiver',
      errorCode: 'route_not_found',
      [METRIC.rejected]: 1,
    });
    expect(doc!._aws.CloudWatchMetrics[0]!.Namespace).toBe('WebhookReceiver');
  });
});

describe('a processing attempt', () => {
  const receivedAt = '2026-01-01T00:00:00.000Z';
  const now = new Date('2026-01-01T00:00:02.500Z');

  it('counts a completion and its latency from capture, in milliseconds', () => {
    const metrics = testMetrics();
    recordAttempt(metrics, { receivedAt }, { result: 'completed', outcome: 'applied' }, now);
    flushMetrics(metrics);
    const [doc] = emitted();
    expect(doc!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: METRIC.completed, Unit: 'Count' },
      { Name: METRIC.processingLatency, Unit: 'Milliseconds' },
    ]);
    expect(values()).toEqual({ [METRIC.completed]: 1, [METRIC.processingLatency]: 2500 });
  });

  it('counts an ignored webhook as completed and as ignored', () => {
    const metrics = testMetrics();
    recordAttempt(metrics, { receivedAt }, { result: 'completed', outcome: 'ignored' }, now);
    flushMetrics(metrics);
    expect(values()).toEqual({
      [METRIC.completed]: 1,
      [METRIC.ignored]: 1,
      [METRIC.processingLatency]: 2500,
    });
  });

  it('counts a failure and a death, and nothing for a skipped record or an unsent retry', () => {
    const metrics = testMetrics();
    recordAttempt(metrics, { receivedAt }, { result: 'failed' }, now);
    recordAttempt(metrics, { receivedAt }, { result: 'dead' }, now);
    recordAttempt(metrics, { receivedAt }, { result: 'skipped' }, now);
    recordAttempt(metrics, { receivedAt }, { result: 'enqueue-failed' }, now);
    flushMetrics(metrics);
    expect(values()).toEqual({ [METRIC.failed]: 1, [METRIC.dead]: 1 });
  });

  it('keeps every latency of a batch, for percentiles', () => {
    const metrics = testMetrics();
    for (const ms of [100, 200, 300]) {
      recordAttempt(
        metrics,
        { receivedAt },
        { result: 'completed', outcome: 'applied' },
        new Date(Date.parse(receivedAt) + ms),
      );
    }
    flushMetrics(metrics);
    expect(values()).toEqual({
      [METRIC.completed]: [1, 1, 1],
      [METRIC.processingLatency]: [100, 200, 300],
    });
  });
});

describe('the sweeper', () => {
  it('counts what it found, of every kind, and a zero when nothing was stuck', () => {
    const metrics = testMetrics();
    recordSweep(metrics, {
      abandoned: ['a'],
      lostMessages: ['b', 'c'],
      unsent: ['d'],
      lostStreamRecords: ['e'],
    });
    flushMetrics(metrics);
    recordSweep(metrics, { abandoned: [], lostMessages: [], unsent: [], lostStreamRecords: [] });
    flushMetrics(metrics);
    expect(emitted().map((doc) => doc[METRIC.sweeperFound])).toEqual([5, 0]);
  });
});

describe('flushing', () => {
  it('writes nothing, and warns of nothing, when the invocation recorded nothing', () => {
    const metrics = testMetrics();
    flushMetrics(metrics);
    expect(stdout).toEqual([]);
    expect(logLines).toEqual([]);
  });

  it('writes what a handler recorded when it returns, and when it throws', async () => {
    const metrics = testMetrics();
    const ok = publishingMetrics(
      async () => recordCapture(metrics, { kind: 'stored' }),
      () => metrics,
    );
    const failing = publishingMetrics(
      async () => {
        recordCapture(metrics, { kind: 'duplicate' });
        throw new Error('boom');
      },
      () => metrics,
    );
    await ok(undefined);
    expect(values()).toEqual({ [METRIC.received]: 1 });
    await expect(failing(undefined)).rejects.toThrow('boom');
    expect(values(emitted().slice(1))).toEqual({ [METRIC.duplicate]: 1 });
  });
});

describe('the batch wrappers (Powertools Batch) report each attempt to the handler', () => {
  // No handler takes the provider `shopify`: its webhooks complete as `ignored`.
  const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
    if (context.eventType === 'test.fails') throw new Error('downstream unavailable');
    if (context.eventType === 'test.refused') throw new PermanentError('refused');
  });
  function harness() {
    const ledger = new InMemoryWebhookLedger();
    const deps = inMemoryProcessDependencies({ ledger, handlers });
    return { ledger, deps };
  }
  const streamRecord = (webhook: Webhook, sequence: number): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: String(sequence),
      NewImage: marshall({ ...webhookKey(webhook.id), ...toWebhookItem(webhook) }) as NonNullable<
        DynamoDBRecord['dynamodb']
      >['NewImage'],
    },
  });

  it('from the stream: completed, ignored, failed and dead, each once', async () => {
    const { ledger, deps } = harness();
    const webhooks = ['test.ok', 'test.unhandled', 'test.fails', 'test.refused'].map((eventType) =>
      webhookRecord(
        eventType === 'test.unhandled' ? { eventType, provider: 'shopify' } : { eventType },
      ),
    );
    for (const w of webhooks) await ledger.create(w);
    const metrics = testMetrics();
    await publishingMetrics(
      () =>
        processStreamRecords(
          deps,
          webhooks.map((w, i) => streamRecord(w, i + 1)),
          {
            concurrency: 2,
            onAttempt: (webhook, report) => recordAttempt(metrics, webhook, report),
          },
        ),
      () => metrics,
    )(undefined);

    const all = values();
    expect(all).toMatchObject({
      [METRIC.completed]: [1, 1],
      [METRIC.ignored]: 1,
      [METRIC.failed]: 1,
      [METRIC.dead]: 1,
    });
    expect(all[METRIC.processingLatency]).toHaveLength(2);
  });

  it('from the queue: the last failure is dead, a superseded message counts nothing', async () => {
    const { ledger, deps } = harness();
    const failing = webhookRecord({ eventType: 'test.fails' });
    await ledger.create(failing);
    await ledger.claim(failing.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await ledger.finish(failing.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: 't1',
    });
    const record = (queueToken: string, receiveCount: number) =>
      ({
        messageId: `m-${queueToken}-${receiveCount}`,
        body: JSON.stringify({ id: failing.id, queueToken, webhook: failing }),
        attributes: { ApproximateReceiveCount: String(receiveCount) },
      }) as SQSRecord;
    const metrics = testMetrics();
    const onAttempt = (webhook: Webhook, report: Parameters<typeof recordAttempt>[2]) =>
      recordAttempt(metrics, webhook, report);

    await processQueueRecords(deps, [record('t1', 2), record('superseded', 1)], {
      maxReceiveCount: 2,
      onAttempt,
    });
    flushMetrics(metrics);

    expect(values()).toEqual({ [METRIC.dead]: 1 });
  });
});
