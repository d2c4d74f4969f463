import { errorFields, type Logger } from '../../services/shared/logger.js';
import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import { scheduleRetry } from '../../services/webhooks/schedule-retry.js';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import type { WebhookLedger } from '../../services/webhooks/webhook-ledger.js';

export class ReplayRefusedError extends Error {
  override readonly name = 'ReplayRefusedError';
}

/**
 * Processes a completed webhook again, explicitly, as a new attempt: `completed → failed` with a
 * new queue token, and a message on the failed queue. The processor runs again, so it must be
 * idempotent (the example processors are: the projection keeps the same event once).
 */
export async function replayWebhook(
  deps: { ledger: WebhookLedger; failedQueue: FailedQueue; log: Logger },
  id: string,
): Promise<WebhookState> {
  const state = await deps.ledger.getState(id);
  if (!state) throw new ReplayRefusedError(`No webhook ${id}.`);
  if (state.status !== 'completed') {
    throw new ReplayRefusedError(
      `Webhook ${id} is ${state.status}; only a completed webhook can be replayed (use redrive for a dead one).`,
    );
  }
  const webhook = await deps.ledger.getWebhook(id);
  if (!webhook) throw new ReplayRefusedError(`Webhook ${id} has no stored payload.`);
  const scheduled = await scheduleRetry(deps, webhook, {
    requeue: { from: 'completed', expectedVersion: state.version },
  });
  if (scheduled.result === 'raced') {
    throw new ReplayRefusedError(
      `Webhook ${id} changed while replaying (now ${scheduled.current?.status ?? 'missing'}); try again.`,
    );
  }
  if (scheduled.result === 'unconfirmed') {
    // The message is on the queue; only the status's note of it is missing. A sweep may send a
    // second copy with the same token, which claims nothing the first did not.
    deps.log.warn(
      { event: 'replay.unconfirmed', webhookId: id, ...errorFields(scheduled.error) },
      'message sent but not confirmed in the status',
    );
    return (await deps.ledger.getState(id)) ?? state;
  }
  return scheduled.state;
}
