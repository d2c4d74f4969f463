import { WebhookReceiverError } from '../../services/shared/errors.js';

/** The request to the proxy (or the CLI's arguments, or a scenario file) is malformed. */
export class InvalidProxyRequestError extends WebhookReceiverError {
  readonly code = 'invalid_request';
}

/** No catalogue for this provider, or no such event type in it. */
export class UnknownCatalogueEntryError extends WebhookReceiverError {
  readonly code = 'unknown_event';
}

/** The request came from a web page (its `Origin` is not the proxy's own). */
export class CrossOriginRefusedError extends WebhookReceiverError {
  readonly code = 'cross_origin_refused';
}

/** The `Host` header names another machine: a DNS-rebinding page, or a proxy not meant for it. */
export class HostRefusedError extends WebhookReceiverError {
  readonly code = 'host_refused';
}

/** A route that signs and sends got no JSON or YAML content type (what a page can send freely). */
export class UnsupportedContentTypeError extends WebhookReceiverError {
  readonly code = 'unsupported_content_type';
}

/** The one table from the proxy's error codes to HTTP statuses; anything else is a 500. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_request: 400,
  unknown_event: 404,
  cross_origin_refused: 403,
  host_refused: 403,
  unsupported_content_type: 415,
};

export function proxyErrorStatus(error: unknown): number {
  if (error instanceof WebhookReceiverError) return STATUS_BY_CODE[error.code] ?? 500;
  return 500;
}
