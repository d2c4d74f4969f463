import { describe, expect, it } from 'vitest';
import { buildFunctionUrlEvent } from '../../../emulator/function-url.js';
import { buildHttpApiEvent } from '../../../emulator/http-api-event.js';
import { handler } from '../../../services/handlers/capture.js';
import { providerOfRequest } from '../../../stack/webhook-route.js';

/*
 * Behind a function URL the capture function gets every method and path, with no path
 * parameters: it matches POST /api/webhooks/{provider} on the raw path itself. The events come
 * from the emulator's builders (the same code the embedded function URL and HTTP API use).
 */
describe('providerOfRequest', () => {
  it.each([
    ['POST', '/api/webhooks/stripe', 'stripe'],
    ['POST', '/api/webhooks/standard-webhooks', 'standard-webhooks'],
    // Decoded, as API Gateway decodes a path parameter.
    ['POST', '/api/webhooks/%73tripe', 'stripe'],
    ['POST', '/api/webhooks/a%2Fb', 'a/b'],
  ])('%s %s names %s', (method, path, provider) => {
    expect(providerOfRequest(method, path)).toBe(provider);
  });

  it.each([
    ['GET', '/api/webhooks/stripe'],
    ['PUT', '/api/webhooks/stripe'],
    ['POST', '/'],
    ['POST', '/api/webhooks'],
    ['POST', '/api/webhooks/'],
    ['POST', '/api/webhooks/stripe/'],
    ['POST', '/api/webhooks/stripe/extra'],
    ['POST', '/api/webhooks//stripe'],
    ['POST', '/API/webhooks/stripe'],
    ['POST', '/api/webhooks/%E0%A4%A'],
  ])('%s %s is not the capture route', (method, path) => {
    expect(providerOfRequest(method, path)).toBeUndefined();
  });
});

const target = { urlId: 'abcdefghijklmnopqrstuvwxyz012345', region: 'us-east-1' };

function functionUrlEvent(method: string, url: string) {
  return buildFunctionUrlEvent(
    {
      method,
      url,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
      sourceIp: '127.0.0.1',
    },
    target,
  );
}

describe('the capture handler behind a function URL', () => {
  it.each([
    ['GET', '/api/webhooks/stripe'],
    ['POST', '/'],
    ['POST', '/api/webhooks/stripe/extra'],
    ['POST', '/favicon.ico'],
  ])(
    'answers %s %s 404 route_not_found, as the HTTP API would, before any other work',
    async (method, url) => {
      // No table, no secrets in this process: reaching the capture would answer 500, not 404.
      const response = await handler(functionUrlEvent(method, url));
      expect(response).toEqual({
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'route_not_found', message: 'Not Found' } }),
      });
    },
  );

  it('answers a hand-made event without a request context 404 too, rather than failing', async () => {
    const response = await handler({} as Parameters<typeof handler>[0]);
    expect(response.statusCode).toBe(404);
  });

  it('takes the provider from the path parameter behind the HTTP API, whatever the raw path', async () => {
    // The HTTP API matched the route; its path parameter wins (a stage or mapping may prefix the path).
    const event = buildHttpApiEvent(
      {
        method: 'POST',
        url: '/prefixed/stage/path',
        headers: {},
        pathParameters: { provider: 'stripe' },
        sourceIp: '127.0.0.1',
      },
      { routeKey: 'POST /api/webhooks/{provider}', apiId: 'api', accountId: '000000000000' },
    );
    // Past the routing, it needs settings this test process does not have: a 500, not a 404.
    const response = await handler(event);
    expect(response.statusCode).toBe(500);
  });
});
