import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../services/shared/errors.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import type { WebhookStore } from '../../services/webhooks/webhook-store.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';

let storage: LocalStorage;
let store: WebhookStore;

beforeAll(async () => {
  storage = await startLocalStorage();
  store = storage.store();
});
afterAll(async () => {
  await storage?.stop();
});

let counter = 0;
async function newWebhook(): Promise<Webhook> {
  const eventId = `evt_race_${Date.now()}_${counter++}`;
  const webhook: Webhook = {
    id: deriveWebhookId('stripe', eventId),
    provider: 'stripe',
    eventType: 'payment_intent.succeeded',
    eventId,
    occurredAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    payload: '{}',
    headers: {},
  };
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
      store.claim(id, { from: 'received', leaseSeconds: 60 }),
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
    await store.claim(id, { from: 'received', leaseSeconds: 60 });
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
    await store.claim(id, { from: 'received', leaseSeconds: 60 });
    await store.finish(id, 1, 'completed', { outcome: 'applied' });
    await expect(store.claim(id, { from: 'received', leaseSeconds: 60 })).rejects.toBeInstanceOf(
      TransitionRejectedError,
    );
    await expect(
      store.claim(id, { from: 'failed', leaseSeconds: 60, maxPriorAttempts: 5 }),
    ).rejects.toBeInstanceOf(TransitionRejectedError);
  });

  it('a retry claim for an attempt already made (duplicate queue message) loses', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60 });
    await store.finish(id, 1, 'failed', { error: { code: 'x', message: 'boom' } });
    await store.claim(id, { from: 'failed', leaseSeconds: 60, maxPriorAttempts: 1 });
    await store.finish(id, 2, 'failed', { error: { code: 'x', message: 'boom' } });
    // A second message for attempt 2 (first receive) must not start a third attempt.
    await expect(
      store.claim(id, { from: 'failed', leaseSeconds: 60, maxPriorAttempts: 1 }),
    ).rejects.toBeInstanceOf(TransitionRejectedError);
    expect(await store.getState(id)).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: { attempt: 2 },
    });
  });

  it('an attempt whose lease ran out is taken over, and the old owner can no longer finish', async () => {
    const { id } = await newWebhook();
    await store.claim(id, { from: 'received', leaseSeconds: 60 });
    const later = storage.store({ now: () => new Date(Date.now() + 120_000) });
    const takeover = await later.claim(id, { from: 'received', leaseSeconds: 60 });
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
