import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An HTTP request as it reaches the API, before API Gateway turns it into an event. */
export interface HttpApiRequest {
  readonly method: string;
  /** Path and query string as sent: `/api/webhooks/stripe?attempt=1`. */
  readonly url: string;
  /** Header names in any case; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: Buffer;
  /** The matched route's path parameters (`{provider}`), decoded; `{name+}` under `proxy`. */
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  /** `HTTP/1.1` unless told otherwise. */
  readonly protocol?: string;
}

/** The route and API the request matched. */
export interface HttpApiTarget {
  /** As in the template: `POST /api/webhooks/{provider}`. */
  readonly routeKey: string;
  readonly apiId: string;
  readonly accountId: string;
}

/**
 * The bodies API Gateway (HTTP API, payload format 2.0) and function URLs pass as text; every other
 * body is base64-encoded, also without a content type, and for `application/x-www-form-urlencoded`
 * and `+json` types. AWS documents only "if the content type of the request is binary, the body is
 * base64-encoded"; this split is what was verified against AWS and reported (ministack
 * ministackorg/ministack#766 for HTTP APIs, users' reports for function URLs). A text body is
 * handed over as a string: bytes that are not UTF-8 cannot survive that (they become U+FFFD here).
 */
export const TEXT_TYPES = /^\s*(text\/[^;\s]+|application\/(json|xml|javascript))\s*(;|$)/i;

/**
 * The event API Gateway (HTTP API, payload format 2.0) sends the integrated function: header
 * names lower-cased (repeated values joined with commas), cookies moved to `cookies`, a text
 * body as is and any other body base64-encoded, the query string parsed, path parameters. The
 * embedded API and the e2e suite's direct Lambda invocation both build their events here.
 */
export function buildHttpApiEvent(
  request: HttpApiRequest,
  target: HttpApiTarget,
  now: Date = new Date(),
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const joined = typeof value === 'string' ? value : value.join(',');
    if (name.toLowerCase() === 'cookie') cookies.push(...joined.split(';').map((c) => c.trim()));
    else headers[name.toLowerCase()] = joined;
  }
  const [rawPath, rawQueryString = ''] = request.url.split('?', 2) as [string, string?];
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');

  return {
    version: '2.0',
    routeKey: target.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(request.pathParameters).length > 0
      ? { pathParameters: { ...request.pathParameters } }
      : {}),
    requestContext: {
      accountId: target.accountId,
      apiId: target.apiId,
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? '',
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol ?? 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: target.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body ? !isText : false,
  } as APIGatewayProxyEventV2;
}
