import { PermanentError, RetryLaterError } from '../shared/errors.js';
import type { FailureKind } from './webhook.js';

/**
 * The longest one SQS hop can hold a message back: DelaySeconds (on a new message) allows 900 s.
 * A longer wait is clamped to it; a handler that still cannot proceed then throws
 * RetryLaterError again, which costs another of its attempts.
 */
export const MAX_RETRY_DELAY_SECONDS = 900;

/** How far each random draw may move a backoff delay from its nominal value, either way. */
const JITTER = 0.2;

/** The backoff of transient failures: the first retry's delay, then ×factor for each next one. */
export interface RetryBackoff {
  readonly firstSeconds: number;
  readonly factor: number;
}

/**
 * The delay before retry `retry` (1 for the first) of a transient failure: exponential, with
 * ±20 % jitter so that webhooks that failed together (a downstream outage) do not all come back
 * in the same second; whole seconds (SQS's unit), at most one hop.
 */
export function backoffSeconds(
  backoff: RetryBackoff,
  retry: number,
  random: () => number = Math.random,
): number {
  const nominal = backoff.firstSeconds * backoff.factor ** Math.max(0, retry - 1);
  const jittered = nominal * (1 - JITTER + 2 * JITTER * random());
  return clampDelay(Math.round(jittered));
}

/** A delay in whole seconds SQS accepts for one hop: 0 to 900, rounded up. */
export function clampDelay(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.ceil(seconds));
}

/**
 * Which rule a failure falls under. Permanent: the handler said so (PermanentError), or DynamoDB
 * refused the request for what it holds (a ValidationException, such as a key over its size
 * limit), which no retry changes. Retry-later: the handler asked for a delay. Anything else may
 * pass: transient.
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof RetryLaterError) return 'retry-later';
  if (error instanceof Error && error.name === 'ValidationException') return 'permanent';
  return 'transient';
}

/** The delay before retry `retry` (1 for the first) after this failure. */
export function retryDelaySeconds(
  error: unknown,
  retry: number,
  backoff: RetryBackoff,
  random?: () => number,
): number {
  if (error instanceof RetryLaterError) return clampDelay(error.retryAfterSeconds);
  return backoffSeconds(backoff, retry, random);
}
