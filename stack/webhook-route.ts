/**
 * The capture route, the same behind every ingress: the HTTP API routes it, and the capture
 * function matches it itself behind a function URL, which sends every path and method. A module
 * of its own, without the CDK, so the function's bundle can import it.
 */
export const WEBHOOK_METHOD = 'POST';
export const WEBHOOK_ROUTE = '/api/webhooks/{provider}';

const WEBHOOK_PATH = /^\/api\/webhooks\/([^/]+)$/;

/**
 * The provider a request's raw path names, decoded as API Gateway decodes a path parameter;
 * `undefined` when the method and path are not the capture route (or the path is not valid
 * percent-encoding).
 */
export function providerOfRequest(method: string, rawPath: string): string | undefined {
  if (method.toUpperCase() !== WEBHOOK_METHOD) return undefined;
  const found = WEBHOOK_PATH.exec(rawPath);
  if (!found) return undefined;
  try {
    return decodeURIComponent(found[1]!);
  } catch {
    return undefined;
  }
}
