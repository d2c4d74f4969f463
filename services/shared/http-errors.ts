import { WebhookReceiverError } from './errors.js';

/**
 * The one table from error codes to HTTP statuses. A 5xx only where the sender should retry;
 * every other failure is the sender's to fix and retrying it would not help.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_signature: 401,
  unknown_provider: 404,
  invalid_event: 400,
  invalid_request: 400,
  payload_too_large: 413,
  event_too_large: 413,
  storage_unavailable: 503,
};

export interface HttpError {
  readonly statusCode: number;
  readonly body: { error: { code: string; message: string } };
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof WebhookReceiverError) {
    const statusCode = STATUS_BY_CODE[error.code];
    if (statusCode !== undefined) {
      return { statusCode, body: { error: { code: error.code, message: error.message } } };
    }
  }
  // Anything else is our bug or our misconfiguration: say so without details, log the rest.
  return {
    statusCode: 500,
    body: {
      error: {
        code: 'internal_error',
        message: 'The webhook could not be accepted; the sender should retry.',
      },
    },
  };
}
