/**
 * Where a webhook's body is kept: inline in the WEBHOOK item, or (over the profile's inline
 * threshold) as an object in the stack's payload bucket, the item keeping the pointer. Either way
 * with its size and SHA-256, so a read can check it got the bytes that were signed.
 */
export type StoredBody =
  | {
      readonly location: 'inline';
      readonly size: number;
      /** SHA-256 of the bytes, hex. */
      readonly sha256: string;
      readonly bytes: Uint8Array;
    }
  | {
      readonly location: 's3';
      readonly size: number;
      readonly sha256: string;
      /** The object's key in the payload bucket (services/webhooks/webhook-body.ts). */
      readonly key: string;
    };

/**
 * The immutable record of one received webhook, as stored. Its body is read through one function
 * (`readWebhookBody`, services/webhooks/webhook-body.ts), wherever it is kept.
 */
export interface Webhook {
  readonly id: string;
  readonly provider: string;
  readonly eventType: string;
  readonly eventId: string;
  /** Provider time of the event (ISO 8601); orders events per resource. */
  readonly occurredAt: string;
  /** Our time of receipt (ISO 8601). */
  readonly receivedAt: string;
  /** The raw body, byte for byte as signed: inline or a claim check. */
  readonly body: StoredBody;
  /** Selected request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A webhook with its body read: what processing hands a processor. */
export interface WebhookWithPayload extends Omit<Webhook, 'body'> {
  /** The bytes that were signed, exactly. */
  readonly payload: Buffer;
}

export const WEBHOOK_STATUSES = ['received', 'processing', 'completed', 'failed', 'dead'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export type Outcome = 'applied' | 'stale' | 'ignored';

/**
 * Which rule a failure fell under: `permanent` (dead at once, no retries), `retry-later` (the
 * handler asked for a delay; the next attempt not before then) or `transient` (retried with
 * exponential backoff and jitter).
 */
export type FailureKind = 'permanent' | 'retry-later' | 'transient';

export interface LastError {
  readonly code: string;
  readonly message: string;
  /**
   * Which rule applied (FailureKind). Absent on errors recorded before it existed and on the
   * sweeper's and operator's reasons.
   */
  readonly kind?: FailureKind;
  readonly attempt: number;
  readonly at: string;
}

/** One processing attempt, as kept in the status item's bounded attempt log. */
export interface AttemptRecord {
  readonly attempt: number;
  /** What started it: `stream`, `queue`. */
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly result?: 'completed' | 'failed' | 'dead';
  readonly outcome?: Outcome;
  readonly error?: LastError;
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
  /** The token the webhook's current failed-queue message must carry to claim an attempt. */
  readonly queueToken?: string;
  /** Set to `queueToken` once that message is known to be on the queue. */
  readonly queuedToken?: string;
  /**
   * When `queuedToken` was last recorded. It does not move `updatedAt` (nor the attention index's
   * sort key): the message may confirm after a retry has already moved the status on.
   */
  readonly queuedAt?: string;
  /**
   * While `failed` with a retry scheduled: when the next attempt is due (ISO 8601); it does not
   * start before then. Cleared by the next claim and by every requeue (sweep, redrive, replay).
   */
  readonly nextAttemptAt?: string;
  /** The last attempts (bounded), keyed `a<attempt>`. */
  readonly attemptLog?: Readonly<Record<string, AttemptRecord>>;
  readonly lastError?: LastError;
  readonly outcome?: Outcome;
  readonly resource?: string;
  /** Copies with the same event id and another body (the first copy is the one kept). */
  readonly conflicts?: number;
  readonly lastConflictAt?: string;
  /** SHA-256 (hex) of the last conflicting copy's body. */
  readonly conflictSha256?: string;
}
