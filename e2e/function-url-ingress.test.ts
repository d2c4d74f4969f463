import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { itCapturesThroughTheIngress } from './support/ingress-contract.js';
import { TARGET } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The path LocalStack's free image gives senders, forced here on any target whose stack has a
 * function URL (E2E_INGRESS=function-url does the same for every suite): plain HTTP to the
 * capture function's URL (the CaptureFunctionUrl output), no HTTP API in front. The function
 * routes on the raw path itself; the URL, not API Gateway, sets the limits.
 */

let stack: TestStack;

beforeAll(async () => {
  if (TARGET.functionUrl) stack = await startTestStack({ ingress: 'function-url' });
});
afterAll(async () => {
  await stack?.stop();
});

/** A POST (or another method) to a path of the function URL, as any HTTP client sends it. */
async function request(path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', ...init });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { error: { code: string } } };
}

// The aws profile has no function URL unless deployed with one (see `functionUrl` in ./support/target.ts).
describe.runIf(TARGET.functionUrl)(
  'webhooks through the capture function URL, without the HTTP API',
  () => {
    it('posts to the URL the CaptureFunctionUrl output names', () => {
      expect(stack.ingress).toBe('function-url');
      if (TARGET.target === 'embedded') {
        const { CaptureFunctionUrl, ApiUrl } = stack.emulator.outputs;
        expect(CaptureFunctionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect(`${stack.apiUrl}/`).toBe(CaptureFunctionUrl);
        // Its own host, as on AWS: not a path of the API.
        expect(new URL(CaptureFunctionUrl!).port).not.toBe(new URL(ApiUrl!).port);
      }
    });

    itCapturesThroughTheIngress(() => stack);

    it('answers a path or method other than POST /api/webhooks/{provider} 404 route_not_found', async () => {
      for (const [method, path] of [
        ['POST', '/'],
        ['POST', '/api/webhooks'],
        ['POST', '/api/webhooks/stripe/extra'],
        ['GET', '/api/webhooks/stripe'],
      ] as const) {
        const response = await request(path, { method });
        expect(response, `${method} ${path}`).toEqual({
          status: 404,
          body: { error: { code: 'route_not_found', message: 'Not Found' } },
        });
      }
      // An unknown provider on the route is the capture's own 404.
      const unknown = await request('/api/webhooks/paypal', {
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'unknown_provider' } } });
    });

    it('answers a body over 6 MB, the URL’s limit, 413 payload_too_large and stores nothing', async () => {
      const event = stripeEvent({
        data: { object: { description: 'x'.repeat(6 * 1024 * 1024) } },
      });
      const response = await stack.send('stripe', event);
      expect(response).toMatchObject({
        status: 413,
        body: { error: { code: 'payload_too_large' } },
      });
      expect(
        await stack.store.ledger.getState(deriveWebhookId('stripe', event.id)),
      ).toBeUndefined();
    });
  },
);
