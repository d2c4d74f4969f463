import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import { inlinePayload, runHandler } from '../../services/processing/run-handler.js';
import {
  type WebhookHandlers,
  webhookHandlers,
} from '../../services/processing/webhook-handlers.js';
import { SideEffectHeldError } from '../../services/shared/errors.js';
import { createFailedQueue } from '../../services/webhooks/failed-queue.js';
import { createOperatorNotifier } from '../../services/webhooks/operator-notifier.js';
import {
  type ProcessDependencies,
  processAttempt,
} from '../../services/webhooks/process-webhook.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { webhookRecord } from '../helpers/webhook-record.js';

/*
 * The side-effect helper (`context.once`) on DynamoDB Local: its conditions decide races, so they
 * are tested where DynamoDB decides them.
 */

let storage: LocalStorage;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  storage = await startLocalStorage();
  const config = localClientConfig(storage.emulator.endpoints.sqs);
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  sns = new SNSClient(config);
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await storage?.stop();
});

const log = pino({ level: 'silent' });
const attempt = (n: number) => ({
  attempt: n,
  trigger: 'queue' as const,
  log,
  timeLeftMs: () => 5_000,
});

/** A handler whose one side effect counts its runs; it waits at `gate` while running. */
function charging(gate?: Promise<void>) {
  let runs = 0;
  const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
    await context.once('charge', async () => {
      runs++;
      await gate;
      return { charged: runs };
    });
  });
  return { handlers, runs: () => runs };
}

function runDeps(handlers: WebhookHandlers) {
  return { handlers, projections: storage.store().projections, readPayload: inlinePayload };
}

describe('once on DynamoDB Local', () => {
  it('runs once across a failure then a retry, and never again after its success (a replay)', async () => {
    let runs = 0;
    const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
      return {
        resource: await context.once('notify', async () => {
          runs++;
          if (runs === 1) throw new Error('mail server down');
          return `sent-${runs}`;
        }),
      };
    });
    const webhook = webhookRecord();
    await expect(runHandler(runDeps(handlers), webhook, attempt(1))).rejects.toThrow(
      'mail server down',
    );
    expect(await runHandler(runDeps(handlers), webhook, attempt(2))).toMatchObject({
      resource: 'sent-2',
    });
    // A replay processes the webhook again: the stored result, no third run.
    expect(await runHandler(runDeps(handlers), webhook, attempt(3))).toMatchObject({
      resource: 'sent-2',
    });
    expect(runs).toBe(2);
  });

  it('of two runs of one attempt at once, one runs the effect and the other is told it is held', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { handlers, runs } = charging(gate);
    const webhook = webhookRecord();
    const first = runHandler(runDeps(handlers), webhook, attempt(1));
    // Let the first take the hold before the second asks.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = runHandler(runDeps(handlers), webhook, attempt(1));
    await expect(second).rejects.toBeInstanceOf(SideEffectHeldError);
    release();
    await first;
    expect(runs()).toBe(1);
  });

  it('a later attempt takes over the hold of one that crashed mid-effect; the crashed one can no longer mark it done', async () => {
    const projections = storage.store().projections;
    const webhook = webhookRecord();
    expect(await projections.beginSideEffect(webhook.id, 'charge', 1)).toEqual({ state: 'run' });
    const { handlers, runs } = charging();
    await runHandler(runDeps(handlers), webhook, attempt(2));
    expect(runs()).toBe(1);
    await expect(
      projections.endSideEffect(webhook.id, 'charge', 1, { done: true, result: 'late' }),
    ).rejects.toThrow();
    expect(await projections.beginSideEffect(webhook.id, 'charge', 3)).toEqual({
      state: 'done',
      result: { charged: 1 },
    });
  });

  it('two concurrent deliveries of one webhook through the pipeline run the effect once', async () => {
    const { outputs } = storage.emulator;
    const { handlers, runs } = charging();
    const deps: ProcessDependencies = {
      ledger: storage.store().ledger,
      projections: storage.store().projections,
      failedQueue: createFailedQueue(sqs, outputs.FailedQueueUrl!),
      notifier: createOperatorNotifier(sns, outputs.OperatorTopicArn!),
      handlers,
      readPayload: inlinePayload,
      retryBackoff: { firstSeconds: 1, factor: 3 },
      leaseSeconds: 60,
      faultInjection: false,
      log,
    };
    const webhook = webhookRecord();
    await deps.ledger.create(webhook);
    const reports = await Promise.all([
      processAttempt(deps, webhook, { source: 'stream' }),
      processAttempt(deps, webhook, { source: 'stream' }),
    ]);
    expect(reports.map((r) => r.result).sort()).toEqual(['completed', 'skipped']);
    expect(runs()).toBe(1);
  });
});
