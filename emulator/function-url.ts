import { createHash } from 'node:crypto';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { send } from './api-gateway.js';
import { buildHttpApiEvent, type HttpApiRequest, TEXT_TYPES } from './http-api-event.js';
import {
  apiGatewayErrorBody,
  type GatewayErrorBody,
  gatewayErrorResponse,
  type HttpApiResponse,
  httpApiResponse,
} from './http-api-response.js';
import { FunctionError, type LambdaFunction, MAX_PAYLOAD_BYTES } from './lambda-runtime.js';
import { freePort } from './local-aws.js';
import { type CfnTemplate, resourcesOfType } from './template.js';

/** The port of the first function URL unless told otherwise; 3000 is the API, 3001 the proxy. */
export const DEFAULT_FUNCTION_URL_PORT = 3002;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A request as a function URL receives it: any method, any path. */
export type FunctionUrlRequest = Omit<HttpApiRequest, 'pathParameters'>;

export interface FunctionUrlTarget {
  /** The URL's id: the first label of `<url-id>.lambda-url.<region>.on.aws`. */
  readonly urlId: string;
  readonly region: string;
}

/**
 * The event a function URL sends its function: payload format 2.0 as the HTTP API sends it
 * (emulator/http-api-event.ts: lower-case headers, repeated values joined with commas, cookies
 * in `cookies`, the query string parsed), with what differs behind a URL: the route is
 * `$default` (no routes, no `pathParameters`: the function sees every path), the request
 * context names the URL (`apiId` and `domainPrefix` are its id, `domainName` its AWS host name),
 * the caller is `anonymous` (auth `NONE`), and only text bodies stay text.
 */
export function buildFunctionUrlEvent(
  request: FunctionUrlRequest,
  target: FunctionUrlTarget,
  now: Date = new Date(),
): LambdaFunctionURLEvent {
  const event = buildHttpApiEvent(
    { ...request, pathParameters: {} },
    { routeKey: '$default', apiId: target.urlId, accountId: 'anonymous' },
    now,
  );
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  const isText = TEXT_TYPES.test(event.headers['content-type'] ?? '');
  const { body: _httpApiBody, ...rest } = event;
  return {
    ...rest,
    requestContext: {
      ...event.requestContext,
      domainName: `${target.urlId}.lambda-url.${target.region}.on.aws`,
      domainPrefix: target.urlId,
    },
    ...(body ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body ? !isText : false,
  } as LambdaFunctionURLEvent;
}

/**
 * What the URL answers when the function did not: a request over Lambda's 6 MB invocation limit
 * is a 413; a function error, a timeout or a response over 6 MB a 502, as AWS answers behind a
 * function URL. Bodies in the shape `errorBody` gives (by default API Gateway's `{"message"}`).
 */
export function functionUrlErrorResponse(
  errorType: string | undefined,
  errorBody: GatewayErrorBody = apiGatewayErrorBody,
): HttpApiResponse {
  return errorType === 'RequestTooLargeException'
    ? gatewayErrorResponse(
        413,
        'payload_too_large',
        'Request Entity Too Large: the limit is 6 MB.',
        errorBody,
      )
    : gatewayErrorResponse(502, 'internal_error', 'Internal Server Error', errorBody);
}

/** A stable 32-character id per URL resource, shaped like AWS's (lower-case letters and digits). */
export function functionUrlId(logicalId: string, accountId: string, region: string): string {
  return createHash('sha256')
    .update(`${accountId}:${region}:${logicalId}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The template's function URLs that the emulator serves, each with its port: the first on
 * `firstPort` (0: a free one), any other on a free port. A URL with IAM auth or a streamed
 * response is not emulated: a warning says so and it gets no port (and so no `FunctionUrl`).
 */
export async function functionUrlPorts(
  template: CfnTemplate,
  firstPort: number,
  log: Logger,
): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Url')) {
    const props = resource.Properties ?? {};
    if (props.AuthType !== 'NONE' || (props.InvokeMode ?? 'BUFFERED') !== 'BUFFERED') {
      log.warn(
        { logicalId, authType: props.AuthType, invokeMode: props.InvokeMode },
        'function URL not emulated (only auth NONE, buffered); skipped',
      );
      continue;
    }
    ports.set(logicalId, ports.size === 0 && firstPort !== 0 ? firstPort : await freePort());
  }
  return ports;
}

export interface FunctionUrlOptions extends FunctionUrlTarget {
  readonly fn: LambdaFunction;
  readonly log: Logger;
  /** The body of the URL's own error answers; by default API Gateway's `{"message": …}`. */
  readonly errorBody?: GatewayErrorBody;
}

/**
 * Serves one function URL the way Lambda does: every method and path goes to the function as
 * the event above, the result is mapped back by the payload format 2.0 rules (a structured
 * result as is, any other value a 200 JSON body: emulator/http-api-response.ts), with the
 * request id in `x-amzn-RequestId`. Bodies over 6 MB are refused before the function runs.
 */
export function buildFunctionUrl(options: FunctionUrlOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_PAYLOAD_BYTES, logger: false, return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    const tooLarge = error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const response = tooLarge
      ? functionUrlErrorResponse('RequestTooLargeException', options.errorBody)
      : gatewayErrorResponse(500, 'internal_error', 'Internal Server Error', options.errorBody);
    options.log.warn(
      { functionUrl: options.urlId, method: request.method, status: response.statusCode },
      tooLarge ? 'function URL request over 6 MB refused' : 'function URL request failed',
    );
    return send(reply, response);
  });

  app.route({
    method: [...METHODS],
    url: '/*',
    exposeHeadRoute: false,
    handler: (request, reply) => invoke(request, reply, options),
  });
  // Every path is the function's; this answers only what the wildcard cannot match.
  app.setNotFoundHandler((_request, reply) =>
    reply
      .code(404)
      .send((options.errorBody ?? apiGatewayErrorBody)('route_not_found', 'Not Found')),
  );
  return app;
}

async function invoke(request: FastifyRequest, reply: FastifyReply, options: FunctionUrlOptions) {
  const event = buildFunctionUrlEvent(
    {
      method: request.method,
      url: request.url,
      // Repeated headers as sent, for the event to join with commas as Lambda does (Node.js
      // joins them with ", "); cookies as Node.js joined them, for the event to split. An
      // injected request (light-my-request) has no headersDistinct.
      headers: {
        ...(request.raw.headersDistinct ?? request.headers),
        ...(request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie }),
      },
      ...(request.body instanceof Buffer ? { body: request.body } : {}),
      sourceIp: request.ip,
      protocol: `HTTP/${request.raw.httpVersion}`,
    },
    options,
  );
  reply.header('x-amzn-requestid', event.requestContext.requestId);
  let result: unknown;
  try {
    result = await options.fn.invoke(event);
  } catch (error) {
    const errorType = error instanceof FunctionError ? error.errorType : undefined;
    const response = functionUrlErrorResponse(errorType, options.errorBody);
    options.log.warn(
      { functionUrl: options.urlId, errorType, status: response.statusCode },
      'function URL invocation failed',
    );
    return send(reply, response);
  }
  return send(reply, httpApiResponse(result));
}
