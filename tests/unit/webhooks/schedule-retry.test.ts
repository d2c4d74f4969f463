import { describe, expect, it } from 'vitest';
import { RetryNotSentError, scheduleRetry } from '../../../services/webhooks/schedule-retry.js';
import type { WebhookLedger } from '../../../services/webhooks/webhook-ledger.js';
import { FakeFailedQueue } from '../../helpers/fake-failed-queue.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/** `ledger` with its markEnqueued replaced. */
function withMarkEnqueued(
  ledger: WebhookLedger,
  markEnqueued: WebhookLedger['markEnqueued'],
): WebhookLedger {
  return {
    create: (w) => ledger.create(w),
    getWebhook: (id) => ledger.getWebhook(id),
    getState: (id) => ledger.getState(id),
    claim: (id, o) => ledger.claim(id, o),
    finish: (id, a, to, d) => ledger.finish(id, a, to, d),
    requeue: (id, o) => ledger.requeue(id, o),
    markEnqueued,
  };
}

async function deadWebhook(ledger: InMemoryWebhookLedger) {
  const webhook = webhookRecord();
  await ledger.create(webhook);
  await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await ledger.finish(webhook.id, 1, 'dead', { error: { code: 'x', message: 'boom' } });
  return { webhook, state: (await ledger.getState(webhook.id))! };
}

async function failedUnsent(ledger: InMemoryWebhookLedger) {
  const webhook = webhookRecord();
  await ledger.create(webhook);
  await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await ledger.finish(webhook.id, 1, 'failed', {
    error: { code: 'x', message: 'boom' },
    queueToken: 't1',
  });
  return webhook;
}

describe('scheduleRetry', () => {
  it('requeues with a new token, sends that token, then records it as queued', async () => {
    const ledger = new InMemoryWebhookLedger();
    const failedQueue = new FakeFailedQueue();
    const { webhook, state } = await deadWebhook(ledger);

    const scheduled = await scheduleRetry({ ledger, failedQueue }, webhook, {
      requeue: { from: 'dead', expectedVersion: state.version },
    });

    expect(scheduled.result).toBe('scheduled');
    const token = failedQueue.tokensOf(webhook.id);
    expect(token).toHaveLength(1);
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      queueToken: token[0],
      queuedToken: token[0],
      version: state.version + 1,
    });
    expect(token[0]).not.toBe(state.queueToken);
  });

  it('does nothing, and sends nothing, when the webhook changed since it was read', async () => {
    const ledger = new InMemoryWebhookLedger();
    const failedQueue = new FakeFailedQueue();
    const { webhook, state } = await deadWebhook(ledger);

    const scheduled = await scheduleRetry({ ledger, failedQueue }, webhook, {
      requeue: { from: 'dead', expectedVersion: state.version - 1 },
    });

    expect(scheduled).toMatchObject({ result: 'raced', current: { status: 'dead' } });
    expect(failedQueue.sent).toEqual([]);
    expect(await ledger.getState(webhook.id)).toEqual(state);
  });

  it('sends the token the status already holds without changing the status', async () => {
    const ledger = new InMemoryWebhookLedger();
    const failedQueue = new FakeFailedQueue();
    const webhook = await failedUnsent(ledger);
    const before = (await ledger.getState(webhook.id))!;

    const scheduled = await scheduleRetry({ ledger, failedQueue }, webhook, {
      send: { queueToken: 't1' },
    });

    expect(scheduled.result).toBe('scheduled');
    expect(failedQueue.tokensOf(webhook.id)).toEqual(['t1']);
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      version: before.version,
      queueToken: 't1',
      queuedToken: 't1',
    });
  });

  it('throws RetryNotSentError when the message cannot be sent, leaving the token unconfirmed for the sweeper', async () => {
    const ledger = new InMemoryWebhookLedger();
    const failedQueue = new FakeFailedQueue();
    failedQueue.failWith = new Error('queue unreachable');
    const { webhook, state } = await deadWebhook(ledger);

    const error = await scheduleRetry({ ledger, failedQueue }, webhook, {
      requeue: { from: 'dead', expectedVersion: state.version },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryNotSentError);
    const after = (await ledger.getState(webhook.id))!;
    expect(after.status).toBe('failed');
    expect(after.queueToken).toBeDefined();
    expect(after.queuedToken).toBeUndefined();
  });

  it('reports a message superseded by a newer token before it was confirmed', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await failedUnsent(ledger);
    const racing = withMarkEnqueued(ledger, async (id, token) => {
      // A sweep re-enqueues with a new token while this message is on its way.
      const state = (await ledger.getState(id))!;
      await ledger.requeue(id, {
        from: 'failed',
        expectedVersion: state.version,
        queueToken: 't2',
      });
      return ledger.markEnqueued(id, token);
    });

    const scheduled = await scheduleRetry(
      { ledger: racing, failedQueue: new FakeFailedQueue() },
      webhook,
      { send: { queueToken: 't1' } },
    );

    expect(scheduled).toMatchObject({ result: 'unconfirmed', superseded: true });
    expect(await ledger.getState(webhook.id)).toMatchObject({ queueToken: 't2' });
  });

  it('reports a sent message whose confirmation failed, with the error, rather than throwing', async () => {
    const ledger = new InMemoryWebhookLedger();
    const failedQueue = new FakeFailedQueue();
    const webhook = await failedUnsent(ledger);
    const failing = withMarkEnqueued(ledger, async () => {
      throw new Error('throttled');
    });

    const scheduled = await scheduleRetry({ ledger: failing, failedQueue }, webhook, {
      send: { queueToken: 't1' },
    });

    expect(scheduled).toMatchObject({ result: 'unconfirmed', superseded: false });
    expect((scheduled as { error: Error }).error.message).toBe('throttled');
    expect(failedQueue.tokensOf(webhook.id)).toEqual(['t1']);
  });
});
