import { createHash } from 'node:crypto';
import type { LastError, Outcome, Webhook, WebhookState, WebhookStatus } from './webhook.js';

/**
 * A copy of a stored webhook (same provider event id) whose body differs from the stored one:
 * the first copy is kept (the sender's id is the identity), the conflict is recorded.
 */
export interface PayloadConflict {
  readonly storedSha256: string;
  readonly receivedSha256: string;
  /** How many conflicting copies the webhook has had, this one included. */
  readonly conflicts: number;
}

export type CreateResult =
  | { readonly outcome: 'created' }
  | { readonly outcome: 'duplicate'; readonly conflict?: PayloadConflict };

export interface ClaimOptions {
  readonly from: WebhookStatus;
  readonly leaseSeconds: number;
  /** What starts the attempt (`stream`, `queue`), kept in the attempt log. */
  readonly trigger: string;
  /** A queue message claims only with the token the status holds. */
  readonly queueToken?: string;
}

export interface FinishDetails {
  readonly outcome?: Outcome;
  readonly resource?: string;
  readonly error?: Omit<LastError, 'at' | 'attempt'>;
  /** The token of the failed-queue message a failure from the stream will send. */
  readonly queueToken?: string;
  /** A failure with a retry due: `nextAttemptAt` is this many seconds after the failure. */
  readonly retryAfterSeconds?: number;
}

export interface RequeueOptions {
  readonly from: WebhookStatus;
  readonly expectedVersion: number;
  readonly queueToken: string;
  /** Whether a message with this token is already on the queue (a redrive moving it). */
  readonly queued?: boolean;
  readonly reason?: { readonly code: string; readonly message: string };
  /** The attempt the reason is about (the webhook's current attempts). */
  readonly attempt?: number;
}

/** How many attempts the status item remembers (the attempt log is bounded). */
export const ATTEMPT_LOG_SIZE = 10;
export const attemptLogKey = (attempt: number) => `a${attempt}`;

/** The version `create` writes: a status still at it has not changed since capture. */
export const CREATED_VERSION = 1;

/** The status `create` writes beside a new webhook: received, no attempt yet, at CREATED_VERSION. */
export function receivedState(webhook: Webhook): WebhookState {
  return {
    id: webhook.id,
    provider: webhook.provider,
    eventType: webhook.eventType,
    status: 'received',
    attempts: 0,
    receivedAt: webhook.receivedAt,
    updatedAt: webhook.receivedAt,
    version: CREATED_VERSION,
  };
}

/**
 * The lifecycle ledger: a webhook's immutable record and its status, every change conditional.
 * What capture, processing, the sweeper and the operator's redrive and replay write. Of two
 * racing writers exactly one wins; the loser gets a TransitionRejectedError whose context
 * carries the state it lost to (`context.current`). Two implementations pass the same contract
 * tests: DynamoDB (services/webhooks/dynamodb-webhook-ledger.ts) and an in-memory one for the
 * unit tests of the decisions made on top of it.
 */
export interface WebhookLedger {
  /**
   * Stores the webhook and its `received` status at once, only if the webhook is new. A
   * duplicate (same id) is a normal answer, not an error; the first copy is kept. A duplicate
   * whose body differs is a conflict: counted on the status (`conflicts`, `lastConflictAt`,
   * `conflictSha256`) without changing its version, so no lifecycle write is disturbed.
   */
  create(webhook: Webhook): Promise<CreateResult>;
  getWebhook(id: string): Promise<Webhook | undefined>;
  getState(id: string): Promise<WebhookState | undefined>;
  /**
   * Takes ownership of the next attempt: `from → processing`, attempts + 1, with a lease, and
   * opens the attempt's entry in the bounded attempt log. An attempt whose lease has run out
   * may be taken over too.
   */
  claim(id: string, options: ClaimOptions): Promise<WebhookState>;
  /**
   * Ends the attempt that owns the webhook: `processing → completed | failed | dead`; a failure
   * with `retryAfterSeconds` records `nextAttemptAt` from the same clock as the attempt's end.
   */
  finish(
    id: string,
    attempt: number,
    to: 'completed' | 'failed' | 'dead',
    details?: FinishDetails,
  ): Promise<WebhookState>;
  /**
   * Puts a webhook (back) on the failed queue's path: `from → failed` with a queue token,
   * conditional on the version the caller read.
   */
  requeue(id: string, options: RequeueOptions): Promise<WebhookState>;
  /**
   * Records that the message carrying `queueToken` is on the failed queue, whatever the status
   * (the retry may already have claimed it); only a newer token makes it moot.
   */
  markEnqueued(id: string, queueToken: string): Promise<WebhookState>;
}

/** Whether a claim of `current` with these options may go ahead at `now` (epoch ms). */
export function claimable(
  current: WebhookState | undefined,
  options: Pick<ClaimOptions, 'from' | 'queueToken'>,
  now: number,
): boolean {
  if (!current) return false;
  const leaseRanOut = current.status === 'processing' && (current.leaseExpiresAt ?? 0) < now;
  const tokenMatches =
    options.queueToken === undefined || current.queueToken === options.queueToken;
  return (current.status === options.from || leaseRanOut) && tokenMatches;
}

export function sha256(data: string | Uint8Array): string {
  // A string is hashed as its UTF-8 bytes.
  return createHash('sha256').update(data).digest('hex');
}

/** When an item captured at `receivedAt` expires (epoch seconds, the TTL attribute's unit). */
export function expiryOf(receivedAt: string, retentionDays: number): number {
  return Math.floor(Date.parse(receivedAt) / 1000) + retentionDays * 86_400;
}

/** When a retry due `seconds` after `failedAt` may start (ISO 8601). */
export function nextAttemptAt(failedAt: Date, seconds: number): string {
  return new Date(failedAt.getTime() + seconds * 1000).toISOString();
}
