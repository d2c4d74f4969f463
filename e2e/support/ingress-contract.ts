import { expect, it } from 'vitest';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import { stripeEvent } from '../../tools/signing-proxy/events.js';
import { signedHeaders } from './target.js';
import type { TestStack } from './test-stack.js';

/**
 * What every ingress must do for a sender, whatever carries the request to the capture function
 * (the HTTP API, a function URL, Lambda Invoke): a new webhook is stored and completed, a second
 * copy is a duplicate, a bad signature is refused and stores nothing. Registers the tests in the
 * calling `describe`; `stack` is read when they run.
 */
export function itCapturesThroughTheIngress(stack: () => TestStack): void {
  it('stores a valid Stripe webhook (202), completes it, then answers the same one 200 duplicate', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const headers = signedHeaders('stripe', rawBody);
    const id = deriveWebhookId('stripe', event.id);

    const first = await stack().post('stripe', rawBody, headers);
    expect(first).toEqual({ status: 202, body: { id } });
    const state = await stack().waitForState(
      id,
      (s) => s.status === 'completed' || s.status === 'dead',
    );
    expect(state).toMatchObject({ status: 'completed', attempts: 1, outcome: 'applied' });

    const again = await stack().post('stripe', rawBody, headers);
    expect(again).toEqual({ status: 200, body: { id, duplicate: true } });
  });

  it('answers a bad signature 401 invalid_signature and stores nothing', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const response = await stack().post('stripe', rawBody, {
      'content-type': 'application/json',
      'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_signature');
    expect(JSON.stringify(response.body)).not.toContain('whsec_');
    expect(
      await stack().store.ledger.getState(deriveWebhookId('stripe', event.id)),
    ).toBeUndefined();
  });
}
