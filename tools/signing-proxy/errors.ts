import { errorStatus, WebhookReceiverError } from '../../services/shared/errors.js';

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

/** The status of a proxy error, from the receiver's one error catalogue; anything else is a 500. */
export function proxyErrorStatus(error: unknown): number {
  return errorStatus(error) ?? 500;
}
