import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { MAX_REQUEST_BYTES } from '../../emulator/api-gateway.js';
import { buildHttpApiEvent } from '../../emulator/http-api-event.js';
import {
  functionErrorResponse,
  gatewayErrorResponse,
  type HttpApiResponse,
  httpApiResponse,
} from '../../emulator/http-api-response.js';
import { WEBHOOK_ROUTE } from '../../stack/webhook-stack.js';
import { receiverErrorBody } from '../../tools/receiver-presentation.js';

/** No API exists on this path; the capture handler reads neither value. */
const DIRECT_INVOKE = { apiId: 'direct-invoke', accountId: '000000000000' } as const;

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` that does what API Gateway does for the stack's capture route, without an API:
 * it turns the request into the HTTP API event (payload format 2.0, the same builder as the
 * embedded API), invokes the capture function with Lambda's Invoke API, and maps its result to
 * the HTTP response API Gateway would send: the structured result or a bare value by the 2.0
 * rules; a function error (`FunctionError` in the Invoke result) as the 500, or for a timeout
 * the 503, the embedded API answers. For targets with Lambda but no API Gateway v2 (LocalStack's
 * free image). The URL's host is ignored; its path must match the route.
 */
export function invokeFetch(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  routeKey = `POST ${WEBHOOK_ROUTE}`,
): typeof fetch {
  const [routeMethod, routePath] = routeKey.split(' ', 2) as [string, string];
  const match = routeMatcher(routePath);

  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const pathParameters = request.method === routeMethod ? match(url.pathname) : undefined;
    if (!pathParameters)
      return toResponse(
        gatewayErrorResponse(404, 'route_not_found', 'Not Found', receiverErrorBody),
      );
    const body = Buffer.from(await request.arrayBuffer());
    if (body.length > MAX_REQUEST_BYTES) {
      return toResponse(
        gatewayErrorResponse(
          413,
          'payload_too_large',
          'Request Entity Too Large: the limit is 10 MB.',
          receiverErrorBody,
        ),
      );
    }
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    if (body.length > 0) headers['content-length'] = String(body.length);
    const event = buildHttpApiEvent(
      {
        method: request.method,
        url: `${url.pathname}${url.search}`,
        headers,
        body,
        pathParameters,
        sourceIp: '127.0.0.1',
      },
      { routeKey, ...DIRECT_INVOKE },
    );

    let output: Awaited<ReturnType<typeof invoke>>;
    try {
      output = await invoke(lambda, functionName, event, request.signal);
    } catch (error) {
      // Over Lambda's 6 MB: the embedded API answers this as a failed invocation, too.
      if ((error as Error).name === 'RequestTooLargeException') {
        return toResponse(functionErrorResponse('RequestTooLargeException', receiverErrorBody));
      }
      throw error;
    }
    const payload = Buffer.from(output.Payload ?? new Uint8Array()).toString('utf8');
    if (output.FunctionError)
      return toResponse(functionErrorResponse(errorTypeOf(payload), receiverErrorBody));
    let result: unknown;
    try {
      result = JSON.parse(payload);
    } catch {
      // A response API Gateway cannot read: it answers 500.
      return toResponse(
        gatewayErrorResponse(500, 'internal_error', 'Internal Server Error', receiverErrorBody),
      );
    }
    return toResponse(httpApiResponse(result));
  };
}

/** A caller's abort (a sender's timeout) abandons the invocation, as it would the request. */
function invoke(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  event: unknown,
  signal: AbortSignal,
) {
  return lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
    { abortSignal: signal },
  );
}

/** `{errorType, errorMessage}` is what Lambda returns for a function error; anything else is too. */
function errorTypeOf(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : undefined;
  } catch {
    return undefined;
  }
}

/** `/api/webhooks/{provider}` → a matcher giving `{provider}`, decoded; never an empty value. */
function routeMatcher(path: string): (pathname: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
  const regex = new RegExp(`^${pattern}$`);
  return (pathname) => {
    const found = regex.exec(pathname);
    if (!found) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
  };
}

function toResponse(response: HttpApiResponse): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  return new Response(NULL_BODY_STATUSES.has(response.statusCode) ? null : response.body, {
    status: response.statusCode,
    headers,
  });
}
