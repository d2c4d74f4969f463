/**
 * The one catalogue from error codes to HTTP statuses, for the API (capture), the signing proxy
 * and the CLIs that report them. A 5xx only where the sender should retry; every other failure is
 * the sender's to fix and retrying it would not help. A code not listed here (configuration,
 * transitions, processing) is ours to fix and answers 500 without details.
 */
export const ERROR_STATUS = {
  invalid_event: 400,
  invalid_request: 400,
  invalid_signature: 401,
  unknown_provider: 404,
  unknown_event: 404,
  cross_origin_refused: 403,
  host_refused: 403,
  payload_too_large: 413,
  event_too_large: 413,
  unsupported_content_type: 415,
  storage_unavailable: 503,
} as const satisfies Readonly<Record<string, number>>;

export type AnsweredErrorCode = keyof typeof ERROR_STATUS;

/** The HTTP status of an error this codebase threw on purpose, or undefined (answer 500). */
export function errorStatus(error: unknown): number | undefined {
  if (!(error instanceof WebhookReceiverError)) return undefined;
  return (ERROR_STATUS as Readonly<Record<string, number>>)[error.code];
}

/** Base of every error this codebase throws on purpose. `code` is stable and safe to show callers. */
export abstract class WebhookReceiverError extends Error {
  abstract readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** The signature, secret or timestamp did not verify. Nothing is stored. */
export class SignatureVerificationError extends WebhookReceiverError {
  readonly code = 'invalid_signature';
}

/** The body verified but is not an event this provider sends (bad JSON, missing id or type). */
export class InvalidEventError extends WebhookReceiverError {
  readonly code = 'invalid_event';
}

/** No provider is configured under the requested name. */
export class UnknownProviderError extends WebhookReceiverError {
  readonly code = 'unknown_provider';
}

/** The request body is over the size this receiver stores. */
export class PayloadTooLargeError extends WebhookReceiverError {
  readonly code = 'payload_too_large';
}

/**
 * The event verified but DynamoDB refuses to store it (a ValidationException: the item, with the
 * fields taken out of the body and the kept headers, is over the 400 KB item limit). Permanent:
 * sending it again cannot help, so the sender must not be told to retry.
 */
export class EventTooLargeError extends WebhookReceiverError {
  readonly code = 'event_too_large';
}

/** DynamoDB (or another store) could not be reached or refused the write; the sender should retry. */
export class StorageUnavailableError extends WebhookReceiverError {
  readonly code = 'storage_unavailable';
}

/**
 * A claim-checked body could not be read back (the object is missing, unreadable, or not the bytes
 * whose size and SHA-256 the webhook recorded). A processing attempt that meets it fails as
 * transient: retried, then dead with this code.
 */
export class PayloadUnavailableError extends WebhookReceiverError {
  readonly code = 'payload_unavailable';
}

/** A required setting is missing or malformed. */
export class ConfigurationError extends WebhookReceiverError {
  readonly code = 'configuration_error';
}

/** A conditional status change lost its race or found the webhook in another state. */
export class TransitionRejectedError extends WebhookReceiverError {
  readonly code = 'transition_rejected';
}

/** A processing attempt failed on purpose because fault injection asked it to. */
export class InjectedFaultError extends WebhookReceiverError {
  readonly code = 'injected_fault';
}

/**
 * A processor's verdict that the webhook can never succeed (a payload it refuses, a resource
 * that cannot exist): the webhook is `dead` after this attempt, with no retries, and the
 * operator is notified; a redrive processes it again once the cause is fixed.
 */
export class PermanentError extends WebhookReceiverError {
  readonly code = 'permanent_failure';
}

/**
 * A handler's verdict that the webhook cannot succeed yet but may later (a downstream asked to
 * wait, a resource not there yet): the next attempt comes no earlier than `retryAfterSeconds`
 * from now. It is one of the webhook's attempts, like any failure: the last one is `dead`. One
 * SQS hop waits at most 900 s (15 minutes); a longer delay is clamped to that
 * (services/webhooks/retry-delay.ts).
 */
export class RetryLaterError extends WebhookReceiverError {
  readonly code = 'retry_later';
  readonly retryAfterSeconds: number;

  constructor(
    message: string,
    retryAfterSeconds: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The same side effect (`once(key, …)`) of the same webhook is running in another attempt right
 * now; this attempt fails and is retried, by which time it has finished or its holder is gone.
 */
export class SideEffectHeldError extends WebhookReceiverError {
  readonly code = 'side_effect_held';
}

/** A processor could not apply the event; the attempt fails and is retried. */
export class ProcessingError extends WebhookReceiverError {
  readonly code = 'processing_failed';
}
