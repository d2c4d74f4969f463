import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What API Gateway answers the client, from the integrated function's result or failure. */
export interface HttpApiResponse {
  readonly statusCode: number;
  /** In order; `set-cookie` once per cookie. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Text as the function gave it; bytes when it sent them base64-encoded. */
  readonly body: string | Buffer;
}

/**
 * Payload format 2.0: a result with a `statusCode` is the response (headers, cookies, a
 * base64-encoded body decoded); any other value is a 200 with the value as its JSON body.
 */
export function httpApiResponse(result: unknown): HttpApiResponse {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: typeof result === 'string' ? result : JSON.stringify(result),
    };
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const headers: Array<[string, string]> = Object.entries(structured.headers ?? {}).map(
    ([name, value]) => [name, String(value)],
  );
  for (const cookie of structured.cookies ?? []) headers.push(['set-cookie', cookie]);
  const body = structured.body ?? '';
  return {
    statusCode: structured.statusCode ?? 200,
    headers,
    body: structured.isBase64Encoded ? Buffer.from(body, 'base64') : body,
  };
}

/**
 * The body of an answer of the gateway itself (no route, too large, the function failed), from
 * a stable code and a message. The application behind the API may give its own shape; by
 * default it is API Gateway's `{"message": …}`.
 */
export type GatewayErrorBody = (code: string, message: string) => unknown;

export const apiGatewayErrorBody: GatewayErrorBody = (_code, message) => ({ message });

/**
 * The function failed (an unhandled error, a crash, or its timeout): the client gets a 5xx and
 * nothing of the error. A timeout is a 503, so a sender retries; anything else a 500.
 */
export function functionErrorResponse(
  errorType: string | undefined,
  errorBody: GatewayErrorBody = apiGatewayErrorBody,
): HttpApiResponse {
  if (errorType === 'Sandbox.Timedout') {
    return gatewayErrorResponse(
      503,
      'service_unavailable',
      'Service Unavailable: the function timed out.',
      errorBody,
    );
  }
  // An event over Lambda's 6 MB invocation limit never reaches the function: the gateway answers
  // 413, as API Gateway is reported to (`{"message":"Request Too Long"}`).
  if (errorType === 'RequestTooLargeException') {
    return gatewayErrorResponse(
      413,
      'payload_too_large',
      "Request Too Long: the event is over the function's 6 MB invocation limit.",
      errorBody,
    );
  }
  return gatewayErrorResponse(500, 'internal_error', 'Internal Server Error', errorBody);
}

/** An answer of the gateway itself, in the shape `errorBody` gives. */
export function gatewayErrorResponse(
  statusCode: number,
  code: string,
  message: string,
  errorBody: GatewayErrorBody = apiGatewayErrorBody,
): HttpApiResponse {
  return {
    statusCode,
    headers: [['content-type', 'application/json; charset=utf-8']],
    body: JSON.stringify(errorBody(code, message)),
  };
}
