import type { Outcome, Webhook } from '../webhooks/webhook.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';

export interface ProcessorResult {
  readonly outcome: Outcome;
  /** The resource the event was about (`stripe#payment_intent#pi_123`), when there is one. */
  readonly resource?: string;
}

export interface ProcessorContext {
  readonly store: WebhookStore;
}

/**
 * Applies one webhook's effect. Runs at least once per webhook, so it must be idempotent, and
 * events arrive out of order, so it must not let an older event overwrite a newer one.
 */
export interface Processor {
  /** Whether this processor applies events of this provider and type. */
  handles(webhook: Webhook): boolean;
  process(webhook: Webhook, context: ProcessorContext): Promise<ProcessorResult>;
}
