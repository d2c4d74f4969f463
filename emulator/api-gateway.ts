import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FunctionError, type LambdaFunction } from './lambda-runtime.js';

/** API Gateway's limit on a request payload. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface HttpRoute {
  /** The route key as in the template: `POST /api/webhooks/{provider}`. */
  readonly routeKey: string;
  readonly fn: LambdaFunction;
}

export interface ApiGatewayOptions {
  readonly routes: readonly HttpRoute[];
  readonly apiId: string;
  readonly accountId: string;
  /** Extra routes of the emulator itself (health, outputs). */
  readonly extend?: (app: FastifyInstance) => void;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[\w.+-]+\+(json|xml))/i;

/**
 * Serves the stack's HTTP API routes the way API Gateway (HTTP API, payload format 2.0) does:
 * lower-case headers, non-text bodies base64-encoded, path parameters, the structured result
 * mapped back to HTTP. Error bodies use the receiver's `{"error":{"code","message"}}` shape.
 */
export function buildApiGateway(options: ApiGatewayOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_REQUEST_BYTES, logger: false, return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(errorBody('payload_too_large', 'Request Entity Too Large: the limit is 10 MB.'));
    }
    return reply.code(500).send(errorBody('internal_error', 'Internal Server Error'));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(errorBody('route_not_found', 'Not Found')),
  );

  options.extend?.(app);

  for (const route of options.routes) {
    const [method, path] = route.routeKey.split(' ', 2) as [string, string];
    const url = path.replace(/\{(\w+)\+\}/g, '*').replace(/\{(\w+)\}/g, ':$1');
    app.route({
      method:
        method === 'ANY'
          ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
          : (method as 'POST'),
      url,
      handler: (request, reply) => invoke(route, request, reply, options),
    });
  }
  return app;
}

async function invoke(
  route: HttpRoute,
  request: FastifyRequest,
  reply: FastifyReply,
  options: ApiGatewayOptions,
) {
  // API Gateway does not match a route whose path parameter would be empty (`/api/webhooks/`).
  if (Object.values(request.params as Record<string, string>).some((value) => value === '')) {
    return reply.code(404).send(errorBody('route_not_found', 'Not Found'));
  }
  const event = toEvent(route.routeKey, request, options);
  let result: unknown;
  try {
    result = await route.fn.invoke(event);
  } catch (error) {
    if (error instanceof FunctionError && error.errorType === 'Sandbox.Timedout') {
      return reply
        .code(503)
        .send(errorBody('service_unavailable', 'Service Unavailable: the function timed out.'));
    }
    return reply.code(500).send(errorBody('internal_error', 'Internal Server Error'));
  }
  return sendResult(reply, result);
}

function toEvent(
  routeKey: string,
  request: FastifyRequest,
  options: ApiGatewayOptions,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(',') : String(value);
    if (name === 'cookie') cookies.push(...joined.split(';').map((c) => c.trim()));
    else headers[name.toLowerCase()] = joined;
  }
  const [rawPath, rawQueryString = ''] = request.url.split('?', 2) as [string, string?];
  const body = request.body instanceof Buffer && request.body.length > 0 ? request.body : undefined;
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');

  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(request.params as object).length > 0
      ? { pathParameters: decodeParams(request.params as Record<string, string>) }
      : {}),
    requestContext: {
      accountId: options.accountId,
      apiId: options.apiId,
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? '',
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.raw.httpVersion}`,
        sourceIp: request.ip,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body ? !isText : false,
  } as APIGatewayProxyEventV2;
}

function decodeParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key === '*' ? 'proxy' : key] = value;
  return out;
}

/** Payload format 2.0: a result without statusCode is a 200 with the value as JSON. */
function sendResult(reply: FastifyReply, result: unknown) {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    return reply
      .code(200)
      .header('content-type', 'application/json')
      .send(typeof result === 'string' ? result : JSON.stringify(result));
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  reply.code(structured.statusCode ?? 200);
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    reply.header(name, String(value));
  if (structured.cookies?.length) reply.header('set-cookie', structured.cookies);
  const body = structured.body ?? '';
  return reply.send(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
