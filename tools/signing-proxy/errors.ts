import { WebhookReceiverError } from '../../services/shared/errors.js';

/** The request to the proxy (or the CLI's arguments, or a scenario file) is malformed. */
export class InvalidProxyRequestError extends WebhookReceiverError {
  readonly code = 'invalid_request';
}

/** No catalogue for this provider, or no such event type in it. */
export class UnknownCatalogueEntryError extends WebhookReceiverError {
  readonly code = 'unknown_event';
}

/** The one table from the proxy's error codes to HTTP statuses; anything else is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_request: 400,
  unknown_event: 404,
};

export function proxyErrorStatus(error: unknown): number {
  if (error instanceof WebhookReceiverError) return STATUS_BY_CODE[error.code] ?? 500;
  return 500;
}
