import { randomUUID } from 'node:crypto';
import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import type { WebhookStore } from '../../services/webhooks/webhook-store.js';

export class ReplayRefusedError extends Error {
  override readonly name = 'ReplayRefusedError';
}

/**
 * Processes a completed webhook again, explicitly, as a new attempt: `completed → failed` with a
 * new queue token, and a message on the failed queue. The processor runs again, so it must be
 * idempotent (the example processors are: the projection keeps the same event once).
 */
export async function replayWebhook(
  deps: { store: WebhookStore; failedQueue: FailedQueue },
  id: string,
): Promise<WebhookState> {
  const state = await deps.store.getState(id);
  if (!state) throw new ReplayRefusedError(`No webhook ${id}.`);
  if (state.status !== 'completed') {
    throw new ReplayRefusedError(
      `Webhook ${id} is ${state.status}; only a completed webhook can be replayed (use redrive for a dead one).`,
    );
  }
  const webhook = await deps.store.getWebhook(id);
  if (!webhook) throw new ReplayRefusedError(`Webhook ${id} has no stored payload.`);
  const queueToken = randomUUID();
  const requeued = await deps.store.requeue(id, {
    from: 'completed',
    expectedVersion: state.version,
    queueToken,
  });
  await deps.failedQueue.enqueue(webhook, queueToken);
  return deps.store.markEnqueued(id, queueToken).catch(() => requeued);
}
