import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../services/shared/errors.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import type { WebhookStore } from '../../services/webhooks/webhook-store.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { webhookRecord } from '../helpers/webhook-record.js';

let storage: LocalStorage;
let store: WebhookStore;

beforeAll(async () => {
  storage = await startLocalStorage();
  store = storage.store();
});
afterAll(async () => {
  await storage?.stop();
});

async function newWebhook(): Promise<Webhook> {
  const webhook = webhookRecord();
  expect(await store.create(webhook)).toBe('created');
  return webhook;
}

async function race<T>(n: number, run: () => Promise<T>) {
  const results = await Promise.allSettled(Array.from({ length: n }, run));
  return {
    won: results
      .filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === 'fulfilled')
      .map((r) => r.value),
    lost: results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason),
  };
}

describe('conditional status transitions on DynamoDB Local', () => {
  it('of 10 racing claims of a received webhook exactly one wins, attempt 1', async () => {
    const { id } = await newWebhook();
    const { won, lost } = await race(10, () =>
      store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
    );
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ status: 'processing', attempts: 1 });
    expect(lost).toHaveLength(9);
    for (const error of lost) {
      expect(error).toBeInstanceOf(TransitionRejectedError);
      expect((error as TransitionRejectedError).context.current).toMatchObject({
        status: 'processing',
        attempts: 1,
      });
    }
  });

  it('of racing finishes of one attempt exactly one wins', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    const { won, lost } = await race(6, () =>
      store.finish(id, 1, 'completed', { outcome: 'applied' }),
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(5);
    expect(await store.getState(id)).toMatchObject({
      status: 'completed',
      attempts: 1,
      outcome: 'applied',
      version: 3,
    });
  });

  it('a completed webhook cannot be claimed again', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await store.finish(id, 1, 'completed', { outcome: 'applied' });
    await expect(
      store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
    ).rejects.toBeInstanceOf(TransitionRejectedError);
    await expect(
      store.claim(id, { from: 'failed', leaseSeconds: 60, trigger: 'queue', queueToken: 'x' }),
    ).rejects.toBeInstanceOf(TransitionRejectedError);
  });

  it('only a queue message carrying the current token can claim a retry', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await store.finish(id, 1, 'failed', {
      error: { code: 'x', message: 'boom' },
      queueToken: 't1',
    });
    // A superseded or duplicate message (another token) loses.
    await expect(
      store.claim(id, { from: 'failed', leaseSeconds: 60, trigger: 'queue', queueToken: 't0' }),
    ).rejects.toBeInstanceOf(TransitionRejectedError);
    const second = await store.claim(id, {
      from: 'failed',
      leaseSeconds: 60,
      trigger: 'queue',
      queueToken: 't1',
    });
    expect(second).toMatchObject({ status: 'processing', attempts: 2 });
    await store.finish(id, 2, 'failed', { error: { code: 'x', message: 'boom again' } });
    // SQS redelivers the same message: same token, the next attempt.
    const third = await store.claim(id, {
      from: 'failed',
      leaseSeconds: 60,
      trigger: 'queue',
      queueToken: 't1',
    });
    expect(third).toMatchObject({ attempts: 3 });
    await store.finish(id, 3, 'dead', { error: { code: 'x', message: 'still' } });
    const state = await store.getState(id);
    expect(state).toMatchObject({ status: 'dead', attempts: 3, lastError: { attempt: 3 } });
    // The attempt log keeps each attempt's trigger, start, end, result and error.
    expect(
      Object.values(state?.attemptLog ?? {}).map((a) => [a.attempt, a.trigger, a.result]),
    ).toEqual(
      expect.arrayContaining([
        [1, 'stream', 'failed'],
        [2, 'queue', 'failed'],
        [3, 'queue', 'dead'],
      ]),
    );
    expect(state?.attemptLog?.a2).toMatchObject({ error: { message: 'boom again' } });
  });

  it('keeps only the last 10 attempts in the log', async () => {
    const { id } = await newWebhook();
    const later = (n: number) => storage.store({ now: () => new Date(Date.now() + n * 120_000) });
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    // Each claim takes over an abandoned attempt, as after repeated crashes.
    for (let n = 1; n <= 11; n++) {
      await later(n).claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    }
    const state = await store.getState(id);
    expect(state?.attempts).toBe(12);
    expect(Object.keys(state?.attemptLog ?? {}).sort()).toEqual(
      ['a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10', 'a11', 'a12'].sort(),
    );
  });

  it('the sparse index holds a webhook only while it needs attention', async () => {
    const { id } = await newWebhook();
    const ids = async (status: 'received' | 'processing' | 'failed' | 'dead') =>
      (await store.listAttention(status)).map((s) => s.id);
    expect(await ids('received')).toContain(id);
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    expect(await ids('received')).not.toContain(id);
    expect(await ids('processing')).toContain(id);
    await store.finish(id, 1, 'completed', { outcome: 'applied' });
    for (const status of ['received', 'processing', 'failed', 'dead'] as const) {
      expect(await ids(status)).not.toContain(id);
    }
  });

  it('a requeue conditional on a version applies once when two sweepers race', async () => {
    const { id } = await newWebhook();
    const state = await store.getState(id);
    const { won, lost } = await race(4, () =>
      store.requeue(id, {
        from: 'received',
        expectedVersion: state!.version,
        queueToken: `t-${Math.random()}`,
        reason: { code: 'stream_attempt_lost', message: 'no attempt started' },
      }),
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    expect(await store.getState(id)).toMatchObject({
      status: 'failed',
      queueToken: won[0]!.queueToken,
    });
  });

  it('an attempt whose lease ran out is taken over, and the old owner can no longer finish', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    const later = storage.store({ now: () => new Date(Date.now() + 120_000) });
    const takeover = await later.claim(id, {
      from: 'received',
      leaseSeconds: 60,
      trigger: 'stream',
    });
    expect(takeover).toMatchObject({ status: 'processing', attempts: 2 });
    await expect(store.finish(id, 1, 'completed', { outcome: 'applied' })).rejects.toBeInstanceOf(
      TransitionRejectedError,
    );
    await later.finish(id, 2, 'completed', { outcome: 'applied' });
    expect(await store.getState(id)).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('projections keep the latest event by provider time; re-applying the same event stays applied', async () => {
    const resource = `stripe#payment_intent#pi_it_${Date.now()}`;
    const t0 = '2026-01-01T00:00:00.000Z';
    const t1 = '2026-01-01T00:00:05.000Z';
    expect(
      await store.applyProjection(resource, { at: t1, id: 'evt_b', type: 'b', state: { n: 2 } }),
    ).toBe('applied');
    expect(
      await store.applyProjection(resource, { at: t0, id: 'evt_a', type: 'a', state: { n: 1 } }),
    ).toBe('stale');
    expect(
      await store.applyProjection(resource, { at: t1, id: 'evt_b', type: 'b', state: { n: 2 } }),
    ).toBe('applied');
    expect(await store.getProjection(resource)).toMatchObject({
      lastEventId: 'evt_b',
      state: { n: 2 },
    });
  });
});
