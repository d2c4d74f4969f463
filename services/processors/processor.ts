import type { ProjectionStore } from '../webhooks/projection-store.js';
import type { Outcome, WebhookWithPayload } from '../webhooks/webhook.js';

export interface ProcessorResult {
  readonly outcome: Outcome;
  /** The resource the event was about (`stripe#payment_intent#pi_123`), when there is one. */
  readonly resource?: string;
}

export interface ProcessorContext {
  /** The projection store: the only storage a processor may touch. */
  readonly projections: ProjectionStore;
}

/**
 * Applies one webhook's effect. Runs at least once per webhook, so it must be idempotent, and
 * events arrive out of order, so it must not let an older event overwrite a newer one.
 */
export interface Processor {
  /** Whether this processor applies events of this provider and type. */
  handles(webhook: WebhookWithPayload): boolean;
  process(webhook: WebhookWithPayload, context: ProcessorContext): Promise<ProcessorResult>;
}
