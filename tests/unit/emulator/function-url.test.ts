import { request as httpRequest } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildFunctionUrl,
  buildFunctionUrlEvent,
  functionUrlId,
  functionUrlPorts,
} from '../../../emulator/function-url.js';
import { FunctionError, type LambdaFunction } from '../../../emulator/lambda-runtime.js';
import type { CfnTemplate } from '../../../emulator/template.js';
import { receiverErrorBody } from '../../../tools/receiver-presentation.js';

/*
 * The embedded function URL: the event Lambda sends behind a function URL (AWS's documented
 * request payload: payload format 2.0 with `$default` route and the URL's id), its limits, and
 * the answers. A stand-in function records the events; no network except where headers must
 * cross a real socket.
 */
const URL_ID = 'abcdefghijklmnopqrstuvwxyz012345';
const REGION = 'us-east-1';

type Invoke = (event: LambdaFunctionURLEvent) => Promise<unknown>;

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function functionUrl(respond: Invoke = async () => ({ statusCode: 202, body: '' })) {
  const invoke = vi.fn(respond);
  const fn = { invoke } as unknown as LambdaFunction;
  app = buildFunctionUrl({
    fn,
    urlId: URL_ID,
    region: REGION,
    log: pino({ level: 'silent' }),
    errorBody: receiverErrorBody,
  });
  const lastEvent = (): LambdaFunctionURLEvent => {
    expect(invoke).toHaveBeenCalledTimes(1);
    return invoke.mock.calls[0]![0];
  };
  return { app, invoke, lastEvent };
}

describe('buildFunctionUrl: the event', () => {
  it('is payload format 2.0 on the $default route, with the raw path and no path parameters', async () => {
    const { app, lastEvent } = functionUrl();

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe?attempt=1&tag=a&tag=b',
      headers: { 'content-type': 'application/json', host: `${URL_ID}.lambda-url.local` },
      payload: '{"id":"evt_1"}',
    });

    const event = lastEvent();
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/api/webhooks/stripe');
    expect(event.rawQueryString).toBe('attempt=1&tag=a&tag=b');
    expect(event.queryStringParameters).toEqual({ attempt: '1', tag: 'a,b' });
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.requestContext).toMatchObject({
      accountId: 'anonymous',
      apiId: URL_ID,
      domainName: `${URL_ID}.lambda-url.${REGION}.on.aws`,
      domainPrefix: URL_ID,
      routeKey: '$default',
      stage: '$default',
      http: { method: 'POST', path: '/api/webhooks/stripe', protocol: 'HTTP/1.1' },
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.body).toBe('{"id":"evt_1"}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('sends every method and path to the function: it does the routing', async () => {
    const { app, invoke } = functionUrl();

    await app.inject({ method: 'GET', url: '/' });
    await app.inject({ method: 'DELETE', url: '/a/b/c' });
    await app.inject({ method: 'HEAD', url: '/api/webhooks/stripe' });

    expect(invoke.mock.calls.map(([e]) => [e.requestContext.http.method, e.rawPath])).toEqual([
      ['GET', '/'],
      ['DELETE', '/a/b/c'],
      ['HEAD', '/api/webhooks/stripe'],
    ]);
  });

  it('passes a JSON body as text, byte for byte', async () => {
    const { app, lastEvent } = functionUrl();
    const raw = '{ "type" : "payment_intent.succeeded",\n  "id":"evt_1" , "n": 1.50, "é": 1 }';

    await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: raw,
    });

    expect(lastEvent()).toMatchObject({ body: raw, isBase64Encoded: false });
  });

  it.each(['text/plain', 'text/csv; charset=utf-8', 'application/xml', 'application/javascript'])(
    'passes a %s body as text',
    (contentType) => {
      const event = buildFunctionUrlEvent(
        {
          method: 'POST',
          url: '/x',
          headers: { 'content-type': contentType },
          body: Buffer.from('a=1&b=é'),
          sourceIp: '127.0.0.1',
        },
        { urlId: URL_ID, region: REGION },
      );
      expect(event).toMatchObject({ body: 'a=1&b=é', isBase64Encoded: false });
    },
  );

  it.each([
    'application/x-www-form-urlencoded',
    'application/vnd.api+json',
    'application/octet-stream',
    'application/jsonx',
    undefined,
  ])(
    'base64-encodes a body of content type %s, where the HTTP API builder would not always',
    (contentType) => {
      const bytes = Buffer.from('payload=%7B%22a%22%3A1%7D&é');
      const event = buildFunctionUrlEvent(
        {
          method: 'POST',
          url: '/api/webhooks/github',
          headers: contentType ? { 'content-type': contentType } : {},
          body: bytes,
          sourceIp: '127.0.0.1',
        },
        { urlId: URL_ID, region: REGION },
      );
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
    },
  );

  it('omits the body of a request without one', async () => {
    const { app, lastEvent } = functionUrl();

    await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    const event = lastEvent();
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('lower-cases header names, joins repeated header lines with commas and moves cookies to cookies', async () => {
    const { app, lastEvent } = functionUrl();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };

    // Two separate X-Repeated lines on the wire (fetch would merge them into one).
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/webhooks/stripe',
      });
      request.setHeader('X-Mixed-Case', 'KeepMe');
      request.setHeader('X-Repeated', ['one', 'two']);
      request.setHeader('Cookie', 'a=1; b=2');
      request.on('response', (response) => response.resume().on('end', resolve));
      request.on('error', reject);
      request.end();
    });

    const event = lastEvent();
    expect(event.headers['x-mixed-case']).toBe('KeepMe');
    expect(event.headers['x-repeated']).toBe('one,two');
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers).not.toHaveProperty('cookie');
    for (const name of Object.keys(event.headers)) expect(name).toBe(name.toLowerCase());
  });
});

describe('buildFunctionUrl: the response', () => {
  it("returns a structured result's statusCode, headers and body, with the request id", async () => {
    const { app, lastEvent } = functionUrl(async () => ({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'x-webhook-id': 'abc-123' },
      body: '{"id":"abc-123"}',
    }));

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(202);
    expect(response.headers['x-webhook-id']).toBe('abc-123');
    expect(response.headers['x-amzn-requestid']).toBe(lastEvent().requestContext.requestId);
    expect(response.body).toBe('{"id":"abc-123"}');
  });

  it('infers a 200 JSON answer from a result without statusCode', async () => {
    const { app } = functionUrl(async () => ({ id: 'abc', duplicate: true }));

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ id: 'abc', duplicate: true });
  });

  it('decodes a base64-encoded result body and sends each cookie as its own set-cookie', async () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    const { app } = functionUrl(async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      cookies: ['a=1', 'b=2'],
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    }));

    const response = await app.inject({ method: 'GET', url: '/' });

    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});

describe('buildFunctionUrl: limits and failures', () => {
  it('answers a body over 6 MB with 413 payload_too_large without invoking the function', async () => {
    const { app, invoke } = functionUrl();

    const response = await app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(6 * 1024 * 1024 + 1, 0x20),
    });

    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: { code: 'payload_too_large', message: 'Request Entity Too Large: the limit is 6 MB.' },
    });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('answers 413 when the body fits but the event does not (RequestTooLargeException)', async () => {
    const { app } = functionUrl(async () => {
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

  it.each([
    ['an unhandled error', 'TypeError'],
    ['a timeout', 'Sandbox.Timedout'],
    ['a response over 6 MB', 'Function.ResponseSizeTooLarge'],
  ])('answers %s with 502 internal_error, revealing nothing of it', async (_, errorType) => {
    const { app } = functionUrl(async () => {
      throw new FunctionError('capture', errorType, 'secret table prod-webhooks is gone');
    });

    const response = await app.inject({ method: 'POST', url: '/api/webhooks/stripe' });

    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({
      error: { code: 'internal_error', message: 'Internal Server Error' },
    });
    expect(response.body).not.toContain('prod-webhooks');
  });
});

describe('function URLs in the template', () => {
  const template = (urls: Record<string, Record<string, unknown>>): CfnTemplate => ({
    Resources: Object.fromEntries(
      Object.entries(urls).map(([id, props]) => [
        id,
        { Type: 'AWS::Lambda::Url', Properties: props },
      ]),
    ),
  });
  const log = pino({ level: 'silent' });

  it('serves the first URL with auth NONE on the given port and any other on a free one', async () => {
    const ports = await functionUrlPorts(
      template({ A: { AuthType: 'NONE' }, B: { AuthType: 'NONE', InvokeMode: 'BUFFERED' } }),
      3002,
      log,
    );
    expect(ports.get('A')).toBe(3002);
    expect(ports.get('B')).toEqual(expect.any(Number));
    expect(ports.get('B')).not.toBe(3002);
  });

  it('skips, with a warning, what it does not emulate: IAM auth and streamed responses', async () => {
    const warn = vi.fn();
    const ports = await functionUrlPorts(
      template({
        Iam: { AuthType: 'AWS_IAM' },
        Stream: { AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' },
      }),
      3002,
      { warn } as unknown as typeof log,
    );
    expect(ports.size).toBe(0);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('gives each URL a stable id shaped like AWS’s', () => {
    const id = functionUrlId('CaptureFunctionFunctionUrl98DFB355', '000000000000', REGION);
    expect(id).toMatch(/^[a-z0-9]{32}$/);
    expect(functionUrlId('CaptureFunctionFunctionUrl98DFB355', '000000000000', REGION)).toBe(id);
    expect(functionUrlId('Other', '000000000000', REGION)).not.toBe(id);
  });
});
