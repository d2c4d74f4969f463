import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { drainRequest, MAX_DRAINED_BYTES } from './drain-request.js';
import { buildHttpApiEvent } from './http-api-event.js';
import {
  apiGatewayErrorBody,
  functionErrorResponse,
  type GatewayErrorBody,
  type HttpApiResponse,
  httpApiResponse,
} from './http-api-response.js';
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
  /** The body of the gateway's own error answers; default: API Gateway's `{"message": …}`. */
  readonly errorBody?: GatewayErrorBody;
  /** Where the gateway's own non-2xx answers are logged (API Gateway's access log, locally). */
  readonly log?: Logger;
}

/**
 * Serves the stack's HTTP API routes the way API Gateway (HTTP API, payload format 2.0) does:
 * lower-case headers, non-text bodies base64-encoded, path parameters, the structured result
 * mapped back to HTTP. The gateway's own error answers (no route, too large, the function
 * failed) have the shape `options.errorBody` gives them.
 */
export function buildApiGateway(options: ApiGatewayOptions): FastifyInstance {
  const gatewayErrorBody = options.errorBody ?? apiGatewayErrorBody;
  const app = Fastify({
    bodyLimit: MAX_REQUEST_BYTES,
    logger: false,
    return503OnClosing: true,
    // API Gateway hands a path parameter of any length to the function (capture answers 404
    // unknown_provider in the receiver's shape); Fastify's own limit (100) would answer 414 with
    // a body echoing the path. Node refuses a request line over its 16 KiB header limit first.
    routerOptions: { maxParamLength: 16 * 1024 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (error: { statusCode?: number; code?: string }, request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // The client is usually still sending: read the rest of the body before answering, so it
      // gets the 413 (as from API Gateway) instead of a connection closed under its upload.
      const drained = await drainRequest(request.raw, MAX_DRAINED_BYTES);
      if (!drained) reply.header('connection', 'close');
      return reply
        .code(413)
        .send(
          gatewayErrorBody('payload_too_large', 'Request Entity Too Large: the limit is 10 MB.'),
        );
    }
    return reply.code(500).send(gatewayErrorBody('internal_error', 'Internal Server Error'));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(gatewayErrorBody('route_not_found', 'Not Found')),
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
  const params = request.params as Record<string, string>;
  // API Gateway does not match a route whose path parameter would be empty (`/api/webhooks/`).
  if (Object.values(params).some((value) => value === '')) {
    return reply
      .code(404)
      .send((options.errorBody ?? apiGatewayErrorBody)('route_not_found', 'Not Found'));
  }
  const event = buildHttpApiEvent(
    {
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.body instanceof Buffer ? { body: request.body } : {}),
      pathParameters: decodeParams(params),
      sourceIp: request.ip,
      protocol: `HTTP/${request.raw.httpVersion}`,
    },
    { routeKey: route.routeKey, apiId: options.apiId, accountId: options.accountId },
  );
  let result: unknown;
  try {
    result = await route.fn.invoke(event);
  } catch (error) {
    const errorType = error instanceof FunctionError ? error.errorType : undefined;
    const response = functionErrorResponse(errorType, options.errorBody);
    // The function could not answer (a crash, its timeout): no line of its own says what the
    // sender got, so the gateway's does.
    options.log?.warn(
      { routeKey: route.routeKey, errorType, status: response.statusCode },
      'the function failed; the gateway answered for it',
    );
    return send(reply, response);
  }
  return send(reply, httpApiResponse(result));
}

function decodeParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key === '*' ? 'proxy' : key] = value;
  return out;
}

/** Sends a gateway response: headers in order, `set-cookie` once per cookie, the body. */
export function send(reply: FastifyReply, response: HttpApiResponse) {
  reply.code(response.statusCode);
  const cookies: string[] = [];
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() === 'set-cookie') cookies.push(value);
    else reply.header(name, value);
  }
  if (cookies.length > 0) reply.header('set-cookie', cookies);
  return reply.send(response.body);
}
