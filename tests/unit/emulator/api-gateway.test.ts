import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApiGateway, MAX_REQUEST_BYTES } from '../../../emulator/api-gateway.js';
import { FunctionError, type LambdaFunction } from '../../../emulator/lambda-runtime.js';
import { receiverErrorBody } from '../../../tools/receiver-presentation.js';

const ROUTE_KEY = 'POST /api/webhooks/{provider}';

type Invoke = (event: APIGatewayProxyEventV2) => Promise<unknown>;

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A stand-in for the function: records the events it is given and answers with `respond`. */
function gateway(
  respond: Invoke = async () => ({ statusCode: 202, body: '' }),
  log?: { warn: (...args: unknown[]) => void },
) {
  const invoke = vi.fn(respond);
  const fn = { invoke } as unknown as LambdaFunction;
  app = buildApiGateway({
    routes: [
      { routeKey: ROUTE_KEY, fn },
      { routeKey: 'ANY /proxy/{path+}', fn },
    ],
    apiId: 'localapi',
    accountId: '000000000000',
    // The application's error shape, as `npm start` gives it.
    errorBody: receiverErrorBody,
    ...(log ? { log: log as unknown as Logger } : {}),
    extend: (instance) => {
      instance.get('/_emulator/health', async () => ({ ok: true }));
    },
  });
  const lastEvent = (): APIGatewayProxyEventV2 => {
    expect(invoke).toHaveBeenCalledTimes(1);
    return invoke.mock.calls[0]![0];
  };
  return { app, invoke, lastEvent };
}

describe('buildApiGateway: the event (payload format 2.0)', () => {
  it('describes the route and the request', async () => {
    const { app, lastEvent } = gateway();

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe?attempt=1&tag=a&tag=b',
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Value' },
      payload: '{"id":"evt_1"}',
    });

    const event = lastEvent();
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe(ROUTE_KEY);
    expect(event.rawPath).toBe('/api/webhooks/stripe');
    expect(event.rawQueryString).toBe('attempt=1&tag=a&tag=b');
    expect(event.queryStringParameters).toEqual({ attempt: '1', tag: 'a,b' });
    expect(event.pathParameters).toEqual({ provider: 'stripe' });
    expect(event.requestContext.http.method).toBe('POST');
    expect(event.requestContext.http.path).toBe('/api/webhooks/stripe');
    expect(event.requestContext.routeKey).toBe(ROUTE_KEY);
    expect(event.requestContext.accountId).toBe('000000000000');
    expect(event.requestContext.apiId).toBe('localapi');
    expect(event.requestContext.stage).toBe('$default');
  });

  it('lower-cases header names and keeps their values', async () => {
    const { app, lastEvent } = gateway();

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'Stripe-Signature': 't=1,v1=AbC', 'X-Mixed-Case': 'KeepMe' },
      payload: 'x',
    });

    const { headers } = lastEvent();
    expect(headers['stripe-signature']).toBe('t=1,v1=AbC');
    expect(headers['x-mixed-case']).toBe('KeepMe');
    for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
  });

  it('passes a JSON body as text, byte for byte, with isBase64Encoded false', async () => {
    const { app, lastEvent } = gateway();
    // Odd spacing and key order: a re-serialised body would break signature verification.
    const raw = '{ "type" : "payment_intent.succeeded",\n  "id":"evt_1" , "n": 1.50 }';

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: raw,
    });

    const event = lastEvent();
    expect(event.body).toBe(raw);
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes an application/octet-stream body, with isBase64Encoded true', async () => {
    const { app, lastEvent } = gateway();
    const bytes = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a]);

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/octet-stream' },
      payload: bytes,
    });

    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(bytes.toString('base64'));
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });

  it.each([
    'text/plain',
    'application/json; charset=utf-8',
    'application/xml',
    'application/javascript',
  ])('passes a %s body as text', async (contentType) => {
    const { app, lastEvent } = gateway();

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/bigcommerce',
      headers: { 'content-type': contentType },
      payload: 'a=1&b=é',
    });

    const event = lastEvent();
    expect(event.body).toBe('a=1&b=é');
    expect(event.isBase64Encoded).toBe(false);
  });

  // As verified against AWS (ministackorg/ministack#766): only text/*, JSON, XML and JavaScript
  // stay text; a form, a `+json` type or no content type at all is base64-encoded.
  it.each(['application/x-www-form-urlencoded', 'application/vnd.api+json', undefined])(
    'base64-encodes a %s body, so its bytes reach the function exactly',
    async (contentType) => {
      const { app, lastEvent } = gateway();
      const bytes = Buffer.from('a=1&b=\xe9', 'latin1');

      await app.inject({
        method: 'POST',
        url: '/api/webhooks/bigcommerce',
        headers: contentType ? { 'content-type': contentType } : {},
        payload: bytes,
      });

      const event = lastEvent();
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
    },
  );

  it('omits the body of a request without one', async () => {
    const { app, lastEvent } = gateway();

    await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    const event = lastEvent();
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes a path parameter of any length to the function, as API Gateway does', async () => {
    const { app, lastEvent } = gateway();
    const long = 'p'.repeat(5_000);

    const response = await app.inject({ method: 'POST', url: `/api/webhooks/${long}` });

    // The function answers (capture: 404 unknown_provider in the receiver's shape), not the
    // router with a 414 that echoes the path.
    expect(response.statusCode).toBe(202);
    expect(lastEvent().pathParameters).toEqual({ provider: long });
  });

  it('moves cookies out of the headers into cookies', async () => {
    const { app, lastEvent } = gateway();

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { cookie: 'a=1; b=2' },
    });

    const event = lastEvent();
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('serves an ANY greedy route for every method, as pathParameters.proxy', async () => {
    const { app, invoke } = gateway();

    await app.inject({ method: 'DELETE', url: '/proxy/a/b/c' });
    await app.inject({ method: 'GET', url: '/proxy/x' });

    expect(
      invoke.mock.calls.map(([e]) => [e.requestContext.http.method, e.pathParameters]),
    ).toEqual([
      ['DELETE', { proxy: 'a/b/c' }],
      ['GET', { proxy: 'x' }],
    ]);
  });
});

describe('buildApiGateway: the response', () => {
  it("returns a structured result's statusCode, headers and body", async () => {
    const { app } = gateway(async () => ({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'x-webhook-id': 'abc-123' },
      body: '{"id":"abc-123"}',
    }));

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(202);
    // Fastify appends `; charset=utf-8` to a JSON string body; the media type is what matters.
    expect(response.headers['content-type']).toMatch(/^application\/json\b/);
    expect(response.headers['x-webhook-id']).toBe('abc-123');
    expect(response.body).toBe('{"id":"abc-123"}');
  });

  it('decodes a base64-encoded result body', async () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    const { app } = gateway(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    }));

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.rawPayload.equals(bytes)).toBe(true);
  });

  it('turns a result without statusCode into a 200 with the value as JSON', async () => {
    const { app } = gateway(async () => ({ id: 'abc', duplicate: true }));

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ id: 'abc', duplicate: true });
  });

  it('turns a null result into a 200 with null as JSON', async () => {
    const { app } = gateway(async () => null);

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('null');
  });
});

describe('buildApiGateway: failures', () => {
  it('answers a function error with 500 internal_error, revealing nothing of it', async () => {
    const { app } = gateway(async () => {
      throw new FunctionError('capture', 'TypeError', 'secret table prod-webhooks is gone');
    });

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'internal_error', message: 'Internal Server Error' },
    });
    expect(response.body).not.toContain('prod-webhooks');
  });

  it('answers an event over the 6 MB invocation limit (RequestTooLargeException) with 413 payload_too_large', async () => {
    const { app } = gateway(async () => {
      throw new FunctionError(
        'capture',
        'RequestTooLargeException',
        'Request payload exceeds 6 MB',
      );
    });

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('answers any other rejection with 500 internal_error', async () => {
    const { app } = gateway(async () => {
      throw new Error('worker crashed');
    });

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('internal_error');
  });

  it('logs every answer it gives for a failed function: the function wrote no line of its own', async () => {
    const warn = vi.fn();
    const { app } = gateway(
      async () => {
        throw new FunctionError(
          'capture',
          'Sandbox.Timedout',
          'Task timed out after 10.00 seconds',
        );
      },
      { warn },
    );

    await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ errorType: 'Sandbox.Timedout', status: 503 }),
      expect.any(String),
    );
  });

  it('answers a function timeout (Sandbox.Timedout) with 503, so the sender retries', async () => {
    const { app } = gateway(async () => {
      throw new FunctionError('capture', 'Sandbox.Timedout', 'Task timed out after 10.00 seconds');
    });

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: { code: 'service_unavailable', message: expect.any(String) },
    });
  });

  it.each([
    ['GET', '/nope'],
    ['POST', '/api/webhooks/stripe/extra'],
    ['GET', '/api/webhooks/stripe'],
    ['PUT', '/api/webhooks/stripe'],
  ] as const)(
    'answers %s %s, which no route serves, with 404 route_not_found',
    async (method, url) => {
      const { app, invoke } = gateway();

      const response = await app.inject({ method, url });

      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: { code: 'route_not_found', message: 'Not Found' },
      });
      expect(invoke).not.toHaveBeenCalled();
    },
  );

  it('answers a body over 10 MB with 413 payload_too_large without invoking the function', async () => {
    const { app, invoke } = gateway();

    const response = await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20),
    });

    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
    expect(invoke).not.toHaveBeenCalled();
  });

  it.each([
    ['with a content-length', true],
    ['chunked, without a content-length', false],
  ])(
    'answers a real upload over 10 MB, %s, with 413 once the client has sent it (no EPIPE)',
    async (_how, withLength) => {
      const { app, invoke } = gateway();
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const body = Buffer.alloc(MAX_REQUEST_BYTES * 3, 0x20);

      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/webhooks/stripe',
            headers: {
              'content-type': 'application/json',
              ...(withLength ? { 'content-length': String(body.length) } : {}),
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        // As a client uploads: in pieces, as fast as the socket takes them.
        const piece = 64 * 1024;
        let offset = 0;
        const write = () => {
          while (offset < body.length) {
            const chunk = body.subarray(offset, offset + piece);
            offset += chunk.length;
            if (!request.write(chunk)) return void request.once('drain', write);
          }
          request.end();
        };
        write();
      });

      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
      expect(invoke).not.toHaveBeenCalled();
    },
  );

  it('accepts a body of exactly 10 MB', async () => {
    const { app, lastEvent } = gateway();

    const response = await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'text/plain' },
      payload: Buffer.alloc(MAX_REQUEST_BYTES, 0x61),
    });

    expect(response.statusCode).toBe(202);
    expect(lastEvent().body).toHaveLength(MAX_REQUEST_BYTES);
  });
});

describe('buildApiGateway: error bodies', () => {
  it("are API Gateway's own {message} when the application gives no shape", async () => {
    app = buildApiGateway({ routes: [], apiId: 'localapi', accountId: '000000000000' });
    const response = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ message: 'Not Found' });
  });
});

describe('buildApiGateway: extensions', () => {
  it("serves the emulator's own routes added through extend", async () => {
    const { app, invoke } = gateway();

    const response = await app.inject({ method: 'GET', url: '/_emulator/health' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect(invoke).not.toHaveBeenCalled();
  });
});
