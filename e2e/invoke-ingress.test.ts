import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { signedHeaders, TARGET } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The path LocalStack's free image needs, forced here on any target (E2E_INGRESS=invoke does the
 * same for every suite): no HTTP API, the capture function invoked through Lambda's Invoke API
 * (on the embedded target, the emulator's own, through the AWS SDK's LambdaClient) with the
 * event API Gateway would send, and its answer mapped back as API Gateway would.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ ingress: 'invoke' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('webhooks through Lambda Invoke of the capture function, without the HTTP API', () => {
  it('invokes the function the CaptureFunctionName output names, not a URL', () => {
    expect(stack.ingress).toBe('invoke');
    // Only the invoke ingress can answer this "URL"; the network cannot.
    expect(stack.apiUrl).toMatch(/^lambda-invoke:\/\/\S+$/);
    if (TARGET.target === 'embedded') {
      const { CaptureFunctionName } = stack.emulator.outputs;
      expect(CaptureFunctionName).toMatch(/CaptureFunction/);
      expect(stack.apiUrl).toBe(`lambda-invoke://${CaptureFunctionName}`);
    }
  });

  it('stores a valid Stripe webhook (202), completes it, then answers the same one 200 duplicate', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const headers = signedHeaders('stripe', rawBody);
    const id = deriveWebhookId('stripe', event.id);

    const first = await stack.post('stripe', rawBody, headers);
    expect(first).toEqual({ status: 202, body: { id } });
    const state = await stack.waitForState(
      id,
      (s) => s.status === 'completed' || s.status === 'dead',
    );
    expect(state).toMatchObject({ status: 'completed', attempts: 1, outcome: 'applied' });

    const again = await stack.post('stripe', rawBody, headers);
    expect(again).toEqual({ status: 200, body: { id, duplicate: true } });
  });

  it('answers a bad signature 401 invalid_signature and stores nothing', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const response = await stack.post('stripe', rawBody, {
      'content-type': 'application/json',
      'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_signature');
    expect(JSON.stringify(response.body)).not.toContain('whsec_');
    expect(await stack.store.ledger.getState(deriveWebhookId('stripe', event.id))).toBeUndefined();
  });
});
