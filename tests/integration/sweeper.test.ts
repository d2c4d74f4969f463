import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import {
  createFailedQueue,
  parseFailedQueueMessage,
} from '../../services/webhooks/failed-queue.js';
import { type SweepDependencies, sweepWebhooks } from '../../services/webhooks/sweep-webhooks.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { webhookRecord } from '../helpers/webhook-record.js';

let storage: LocalStorage;
let sqs: SQSClient;
const thresholds = { processingGraceSeconds: 10, failedAfterSeconds: 30, receivedAfterSeconds: 60 };

beforeAll(async () => {
  storage = await startLocalStorage();
  sqs = new SQSClient({
    ...localClientConfig(storage.emulator.endpoints.sqs),
    useQueueUrlAsEndpoint: false,
  });
});
afterAll(async () => {
  sqs?.destroy();
  await storage?.stop();
});

function deps(minutesLater: number): SweepDependencies {
  const now = () => new Date(Date.now() + minutesLater * 60_000);
  return {
    ...ledgerAndIndex(storage.store({ now })),
    failedQueue: createFailedQueue(sqs, storage.emulator.outputs.FailedQueueUrl!),
    thresholds,
    log: pino({ level: 'silent' }),
    now,
  };
}

function ledgerAndIndex(table: ReturnType<LocalStorage['store']>) {
  return { ledger: table.ledger, attention: table.attention };
}

async function newWebhook(): Promise<Webhook> {
  const webhook = webhookRecord();
  await storage.store().ledger.create(webhook);
  return webhook;
}

async function drainFailedQueue() {
  const tokens = new Map<string, string[]>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: storage.emulator.outputs.FailedQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) return tokens;
    for (const m of Messages) {
      const { id, queueToken } = parseFailedQueueMessage(m.Body ?? '');
      tokens.set(id, [...(tokens.get(id) ?? []), queueToken]);
    }
  }
}

describe('the sweeper on DynamoDB Local and fauxqs', () => {
  it('re-enqueues each kind of stuck webhook once, and leaves healthy ones alone', async () => {
    const store = storage.store();
    // Abandoned: an attempt that started and never finished.
    const abandoned = await newWebhook();
    await store.ledger.claim(abandoned.id, {
      from: 'received',
      leaseSeconds: 6,
      trigger: 'stream',
    });
    // Lost message: failed, its message confirmed sent, then lost (the local queue restarted).
    const lost = await newWebhook();
    await store.ledger.claim(lost.id, { from: 'received', leaseSeconds: 6, trigger: 'stream' });
    await store.ledger.finish(lost.id, 1, 'failed', {
      error: { code: 'x', message: 'boom' },
      queueToken: 'old',
    });
    await store.ledger.markEnqueued(lost.id, 'old');
    // Unsent: failed, its message never confirmed sent.
    const unsent = await newWebhook();
    await store.ledger.claim(unsent.id, { from: 'received', leaseSeconds: 6, trigger: 'stream' });
    await store.ledger.finish(unsent.id, 1, 'failed', {
      error: { code: 'x', message: 'boom' },
      queueToken: 'never-sent',
    });
    // Lost stream record: still received.
    const neverStarted = await newWebhook();
    // Healthy: completed.
    const done = await newWebhook();
    await store.ledger.claim(done.id, { from: 'received', leaseSeconds: 6, trigger: 'stream' });
    await store.ledger.finish(done.id, 1, 'completed', { outcome: 'applied' });
    await drainFailedQueue();

    // Now: nothing is old enough yet.
    const early = await sweepWebhooks(deps(0));
    for (const list of [
      early.abandoned,
      early.lostMessages,
      early.unsent,
      early.lostStreamRecords,
    ]) {
      expect(list).not.toContain(abandoned.id);
      expect(list).not.toContain(lost.id);
      expect(list).not.toContain(neverStarted.id);
    }

    // Two sweeps at once, five minutes later: every stuck webhook is re-enqueued exactly once.
    const [a, b] = await Promise.all([sweepWebhooks(deps(5)), sweepWebhooks(deps(5))]);
    const both = (key: 'abandoned' | 'lostMessages' | 'unsent' | 'lostStreamRecords') => [
      ...a[key],
      ...b[key],
    ];
    expect(both('abandoned').filter((id) => id === abandoned.id)).toHaveLength(1);
    expect(both('lostMessages').filter((id) => id === lost.id)).toHaveLength(1);
    expect(both('lostStreamRecords').filter((id) => id === neverStarted.id)).toHaveLength(1);
    expect(both('unsent')).toContain(unsent.id);

    const queued = await drainFailedQueue();
    for (const webhook of [abandoned, lost, neverStarted]) {
      const state = await store.ledger.getState(webhook.id);
      expect(state?.status).toBe('failed');
      // One new message, carrying the token the status now holds.
      expect(queued.get(webhook.id)).toEqual([state?.queueToken]);
    }
    expect((await store.ledger.getState(lost.id))?.queueToken).not.toBe('old');
    expect(queued.get(unsent.id)?.every((token) => token === 'never-sent')).toBe(true);
    expect(queued.has(done.id)).toBe(false);
    expect(await store.ledger.getState(abandoned.id)).toMatchObject({
      lastError: { code: 'attempt_abandoned', attempt: 1 },
    });
    expect(await store.ledger.getState(neverStarted.id)).toMatchObject({
      attempts: 0,
      lastError: { code: 'stream_attempt_lost' },
    });
  });

  it('counts a lost message from when it was sent: one just re-sent is left alone', async () => {
    const store = storage.store();
    const webhook = await newWebhook();
    await store.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 6, trigger: 'stream' });
    await store.ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'boom' },
      queueToken: 'resent',
    });
    // Five minutes later another sweep re-sends the unconfirmed message and confirms it.
    await deps(5).ledger.markEnqueued(webhook.id, 'resent');
    await drainFailedQueue();

    // A sweep that lists it now sees it failed, its message confirmed, last changed 5 min ago.
    const report = await sweepWebhooks(deps(5));
    expect(report.lostMessages).not.toContain(webhook.id);
    expect(await store.ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      queueToken: 'resent',
      queuedToken: 'resent',
    });

    // Once the message has been silent for longer than the threshold, it is lost after all.
    const later = await sweepWebhooks(deps(10));
    expect(later.lostMessages).toContain(webhook.id);
  });
});
