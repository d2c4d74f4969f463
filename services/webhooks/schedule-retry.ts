import { randomUUID } from 'node:crypto';
import { TransitionRejectedError, WebhookReceiverError } from '../shared/errors.js';
import type { FailedQueue } from './failed-queue.js';
import { clampDelay } from './retry-delay.js';
import type { Webhook, WebhookState, WebhookStatus } from './webhook.js';
import type { WebhookLedger } from './webhook-ledger.js';

export interface ScheduleRetryDependencies {
  readonly ledger: WebhookLedger;
  readonly failedQueue: FailedQueue;
  readonly now?: () => Date;
}

/**
 * What to schedule:
 * - `requeue`: move the webhook `from → failed` with a new queue token (conditional on the
 *   version read), then send the message; the sweeper, redrive and replay.
 * - `send`: the status already holds `queueToken` (a failure the attempt recorded, or one whose
 *   message was never confirmed sent): send the message with that token, held back until
 *   `notBefore` (the status's `nextAttemptAt`) when there is one.
 */
export type RetryRequest =
  | {
      readonly requeue: {
        readonly from: WebhookStatus;
        readonly expectedVersion: number;
        readonly reason?: { readonly code: string; readonly message: string };
        /** The attempt the reason is about (the webhook's current attempts). */
        readonly attempt?: number;
      };
    }
  | { readonly send: { readonly queueToken: string; readonly notBefore?: string } };

export type RetryScheduled =
  /** The message is on the failed queue and the status says so (`queuedToken`). */
  | { readonly result: 'scheduled'; readonly queueToken: string; readonly state: WebhookState }
  /**
   * The message is on the failed queue with the current token, which the status's `queuedToken`
   * does not show yet: either a newer token has superseded it (the message is moot), or the
   * confirmation failed. A later sweep may send it once more; a second message with the same
   * token is harmless (each claims at most one attempt and the version decides).
   */
  | {
      readonly result: 'unconfirmed';
      readonly queueToken: string;
      /** A newer token took over (moot), rather than the confirmation failing (`error`). */
      readonly superseded: boolean;
      readonly error?: unknown;
    }
  /** Someone else changed the webhook between the caller's read and this requeue: nothing done. */
  | { readonly result: 'raced'; readonly current: WebhookState | undefined };

/**
 * The failed-queue message could not be sent. The status holds the token with no confirmation
 * (`queuedToken ≠ queueToken`), so the message is owed: the stream's redelivery or the next
 * sweep sends it.
 */
export class RetryNotSentError extends WebhookReceiverError {
  readonly code = 'retry_not_sent';
}

/**
 * The one way a webhook gets its next attempt on the failed queue: (requeue →) SendMessage →
 * markEnqueued (or, for a message already received, `delayRedelivery` below). Each step is recorded before the
 * next, so a crash anywhere leaves a state the sweeper recognises: `failed` with a token and no
 * `queuedToken` is an unsent message. A delay is whole seconds from now until `notBefore`,
 * rounded up, and at most one SQS hop (services/webhooks/retry-delay.ts).
 */
export async function scheduleRetry(
  deps: ScheduleRetryDependencies,
  webhook: Webhook,
  request: RetryRequest,
): Promise<RetryScheduled> {
  let queueToken: string;
  let delaySeconds = 0;
  if ('requeue' in request) {
    queueToken = randomUUID();
    const { from, expectedVersion, reason, attempt } = request.requeue;
    try {
      await deps.ledger.requeue(webhook.id, {
        from,
        expectedVersion,
        queueToken,
        ...(reason ? { reason } : {}),
        ...(attempt !== undefined ? { attempt } : {}),
      });
    } catch (error) {
      if (!(error instanceof TransitionRejectedError)) throw error;
      return { result: 'raced', current: error.context.current as WebhookState | undefined };
    }
  } else {
    queueToken = request.send.queueToken;
    delaySeconds = secondsUntil(request.send.notBefore, deps.now?.() ?? new Date());
  }

  try {
    await deps.failedQueue.enqueue(webhook, queueToken, delaySeconds ? { delaySeconds } : {});
  } catch (error) {
    throw new RetryNotSentError('The retry message could not be sent to the failed queue.', {
      cause: error,
      context: { webhookId: webhook.id, queueToken },
    });
  }

  try {
    const state = await deps.ledger.markEnqueued(webhook.id, queueToken);
    return { result: 'scheduled', queueToken, state };
  } catch (error) {
    if (error instanceof TransitionRejectedError) {
      // A newer token took over while we were sending (a sweep, a redrive): this message lost
      // before it arrived, and the newer one is owed by whoever made it.
      return { result: 'unconfirmed', queueToken, superseded: true };
    }
    return { result: 'unconfirmed', queueToken, superseded: false, error };
  }
}

/**
 * The next attempt of a retry that failed with retries left: its received message (the same
 * token) comes back at `notBefore` instead of after the queue's visibility timeout. Returns the
 * delay set, in seconds.
 */
export async function delayRedelivery(
  deps: Pick<ScheduleRetryDependencies, 'failedQueue' | 'now'>,
  receiptHandle: string,
  notBefore: string,
): Promise<number> {
  const delaySeconds = secondsUntil(notBefore, deps.now?.() ?? new Date());
  await deps.failedQueue.delayRedelivery(receiptHandle, delaySeconds);
  return delaySeconds;
}

function secondsUntil(notBefore: string | undefined, now: Date): number {
  return notBefore === undefined ? 0 : clampDelay((Date.parse(notBefore) - now.getTime()) / 1000);
}
