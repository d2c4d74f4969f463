/** The immutable record of one received webhook, as stored and as carried on the failed queue. */
export interface Webhook {
  readonly id: string;
  readonly provider: string;
  readonly eventType: string;
  readonly eventId: string;
  /** Provider time of the event (ISO 8601); orders events per resource. */
  readonly occurredAt: string;
  /** Our time of receipt (ISO 8601). */
  readonly receivedAt: string;
  /** The raw body, byte for byte. */
  readonly payload: string;
  /** Selected request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

export const WEBHOOK_STATUSES = ['received', 'processing', 'completed', 'failed', 'dead'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export type Outcome = 'applied' | 'stale' | 'ignored';

export interface LastError {
  readonly code: string;
  readonly message: string;
  readonly attempt: number;
  readonly at: string;
}

/** The mutable state of a webhook. */
export interface WebhookState {
  readonly id: string;
  readonly provider: string;
  readonly eventType: string;
  readonly status: WebhookStatus;
  readonly attempts: number;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly version: number;
  /** Epoch ms until which the current attempt owns the webhook (status processing). */
  readonly leaseExpiresAt?: number;
  /** The attempt whose failure has been put on the failed queue. */
  readonly enqueuedAttempt?: number;
  readonly lastError?: LastError;
  readonly outcome?: Outcome;
  readonly resource?: string;
}
