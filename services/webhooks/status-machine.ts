import type { WebhookStatus } from './webhook.js';

/**
 * Every status change a webhook may make. A change not listed here is a bug, and the store
 * refuses to build a write for it. `processing → processing` is the re-claim of an attempt
 * whose lease ran out (its function crashed or timed out). The last failed attempt goes
 * straight from `processing` to `dead`.
 */
const TRANSITIONS: Readonly<Record<WebhookStatus, readonly WebhookStatus[]>> = {
  received: ['processing'],
  processing: ['completed', 'failed', 'dead', 'processing'],
  failed: ['processing'],
  // An operator's redrive puts a dead webhook back on the failed queue.
  dead: ['failed'],
  completed: [],
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
