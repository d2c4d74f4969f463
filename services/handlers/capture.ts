import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { providerOfRequest } from '../../stack/webhook-route.js';
import { toHttpError } from '../shared/http-errors.js';
import { errorFields, logger } from '../shared/logger.js';
import { getMetrics, publishingMetrics } from '../shared/metrics.js';
import { captureWebhook } from '../webhooks/capture-webhook.js';
import { recordCapture } from '../webhooks/webhook-metrics.js';
import { captureDependencies } from './capture-dependencies.js';

/**
 * POST /api/webhooks/{provider}: verify, store, answer. Behind the HTTP API the route has matched
 * and `{provider}` is a path parameter; a function URL sends every method and path with no path
 * parameters, so the handler matches the raw path itself.
 */
export const handler = publishingMetrics(capture);

async function capture(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // A hand-made event (a direct Invoke) may lack what a gateway always sends.
  const method = event.requestContext?.http?.method ?? '';
  const rawPath = event.rawPath ?? '';
  const provider = event.pathParameters?.provider ?? providerOfRequest(method, rawPath);
  if (provider === undefined) {
    // What the HTTP API answers for a route it does not have, in the same shape.
    logger.warn(
      {
        event: 'capture.rejected',
        status: 404,
        errorCode: 'route_not_found',
        method: method.slice(0, 16),
        path: rawPath.slice(0, 128),
      },
      'no such route',
    );
    recordCapture(getMetrics(), { kind: 'rejected', errorCode: 'route_not_found' });
    return json(404, { error: { code: 'route_not_found', message: 'Not Found' } });
  }
  const receivedAt = new Date();
  try {
    const result = await captureWebhook(await captureDependencies(), {
      provider,
      ...captureRequestBody(event),
      headers: lowerCaseHeaders(event.headers),
      receivedAt,
    });
    logger.info(
      {
        event: result.duplicate ? 'capture.duplicate' : 'capture.stored',
        webhookId: result.id,
        provider: result.provider,
        eventType: result.event.eventType,
        providerEventId: result.event.eventId,
      },
      result.duplicate ? 'duplicate webhook acknowledged' : 'webhook stored',
    );
    if (result.conflict) {
      // Same event id, another body: a sender bug or a forgery with a valid secret. The first
      // copy stays; this says that it happened and what the two bodies were.
      logger.warn(
        {
          event: 'capture.conflict',
          webhookId: result.id,
          provider: result.provider,
          eventType: result.event.eventType,
          providerEventId: result.event.eventId,
          ...result.conflict,
        },
        'duplicate event id with a different body; the first copy is kept',
      );
    }
    recordCapture(getMetrics(), { kind: result.duplicate ? 'duplicate' : 'stored' });
    return result.duplicate
      ? json(200, { id: result.id, duplicate: true })
      : json(202, { id: result.id });
  } catch (error) {
    const httpError = toHttpError(error);
    const level = httpError.statusCode >= 500 ? 'error' : 'warn';
    logger[level](
      {
        event: 'capture.rejected',
        provider: provider.slice(0, 64),
        status: httpError.statusCode,
        ...errorFields(error),
        // What DynamoDB said, say, for a refused item: the answer's message does not carry it.
        ...(error instanceof Error && error.cause !== undefined
          ? { cause: errorFields(error.cause) }
          : {}),
      },
      'webhook not accepted',
    );
    recordCapture(getMetrics(), { kind: 'rejected', errorCode: httpError.body.error.code });
    return json(httpError.statusCode, httpError.body);
  }
}

/**
 * The body's bytes, as the sender signed them: a base64 body decoded to bytes (never to text, which
 * would replace bytes that are not UTF-8), a text body as its UTF-8 bytes. And its size in the
 * event, which is what counts against the invocation limit: base64 is 4/3 of the bytes, a text
 * body is JSON-escaped inside the event.
 */
export function captureRequestBody(event: APIGatewayProxyEventV2): {
  body: Buffer;
  eventBodyBytes: number;
} {
  if (event.body === undefined || event.body === null) {
    return { body: Buffer.alloc(0), eventBodyBytes: 0 };
  }
  if (event.isBase64Encoded) {
    return { body: Buffer.from(event.body, 'base64'), eventBodyBytes: event.body.length };
  }
  return {
    body: Buffer.from(event.body, 'utf8'),
    eventBodyBytes: Buffer.byteLength(JSON.stringify(event.body)) - 2,
  };
}

function lowerCaseHeaders(
  headers: APIGatewayProxyEventV2['headers'],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
