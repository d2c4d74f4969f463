import { errorStatus, WebhookReceiverError } from '../../services/shared/errors.js';

/** The request to the proxy (or the CLI's arguments, or a scenario file) is malformed. */
export class InvalidProxyRequestError extends WebhookReceiverError {
  readonly code = 'invalid_request';
}

/** No catalogue for this provider, or no such event type in it. */
export class UnknownCatalogueEntryError extends WebhookReceiverError {
  readonly code = 'unknown_event';
}

/** The status of a proxy error, from the receiver's one error catalogue; anything else is a 500. */
export function proxyErrorStatus(error: unknown): number {
  return errorStatus(error) ?? 500;
}
