import type { WebhookStatus } from './webhook.js';

/**
 * Every status change a webhook may make. A change not listed here is a bug, and the store
 * refuses to build a write for it. `processing → processing` is the re-claim of an attempt
 * whose lease ran out (its function crashed or timed out). The last failed attempt goes
 * straight from `processing` to `dead`.
 */
const TRANSITIONS: Readonly<Record<WebhookStatus, readonly WebhookStatus[]>> = {
  // → failed: the sweeper re-enqueues a webhook whose stream attempt was lost.
  received: ['processing', 'failed'],
  // → failed also when the sweeper finds an attempt abandoned past its lease.
  processing: ['completed', 'failed', 'dead', 'processing'],
  // → failed: the sweeper re-enqueues one whose queue message was lost (a new token).
  failed: ['processing', 'failed'],
  // An operator's redrive puts a dead webhook back on the failed queue.
  dead: ['failed'],
  // An operator's replay processes a completed webhook again, through the failed queue.
  completed: ['failed'],
};

export function canTransition(from: WebhookStatus, to: WebhookStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses from which `to` may be reached. */
export function sourcesOf(to: WebhookStatus): WebhookStatus[] {
  return (Object.keys(TRANSITIONS) as WebhookStatus[]).filter((from) => canTransition(from, to));
}

export function isFinal(status: WebhookStatus): boolean {
  return status === 'completed' || status === 'dead';
}
