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

/** A required setting is missing or malformed. */
export class ConfigurationError extends WebhookReceiverError {
  readonly code = 'configuration_error';
}

/** A conditional status change lost its race or found the webhook in another state. */
export class TransitionRejectedError extends WebhookReceiverError {
  readonly code = 'transition_rejected';
}

/** A processor failed on purpose because fault injection asked it to. */
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

/** A processor could not apply the event; the attempt fails and is retried. */
export class ProcessingError extends WebhookReceiverError {
  readonly code = 'processing_failed';
}
