import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import {
  bigcommerceEvent,
  githubIssuesEvent,
  shopifyOrderEvent,
  standardWebhooksEvent,
  stripeEvent,
} from '../tools/signing-proxy/events.js';
import { providerEventId, signedHeaders } from '../tools/signing-proxy/signed-request.js';
import { signedHeaders as signedForTarget, TARGET } from './support/target.js';
import { eventually, startTestStack, type TestStack } from './support/test-stack.js';

/*
 * One suite for every target (E2E_TARGET=embedded|localstack|aws). What a target cannot show is
 * said where it is skipped: fault injection is never deployed to AWS, the aws profile turns only
 * Stripe and BigCommerce on, and function logs are only collected in-process (embedded);
 * everything else is asserted the same way everywhere. Stripe and BigCommerce requests are
 * signed with the target's secrets (`signedForTarget`).
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const isFinal = (s: { status: string }) => s.status === 'completed' || s.status === 'dead';

describe('capture → stream → processed', () => {
  it('stores a new Stripe webhook (202) and completes it in one attempt', async () => {
    const event = stripeEvent();
    const response = await stack.send('stripe', event);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ id: deriveWebhookId('stripe', event.id) });

    const state = await stack.waitForState(response.body.id, isFinal);
    expect(state).toMatchObject({
      status: 'completed',
      attempts: 1,
      outcome: 'applied',
      provider: 'stripe',
    });
    const projection = await stack.store.projections.getProjection(
      `stripe#payment_intent#${event.data.object.id}`,
    );
    expect(projection).toMatchObject({
      lastEventId: event.id,
      state: { status: event.data.object.status },
    });
  });

  it('stores a new BigCommerce webhook and completes it', async () => {
    const event = bigcommerceEvent({ scope: 'store/order/created' });
    const response = await stack.send('bigcommerce', event);
    expect(response.status).toBe(202);
    const state = await stack.waitForState(response.body.id, isFinal);
    expect(state).toMatchObject({
      status: 'completed',
      attempts: 1,
      outcome: 'applied',
      eventType: 'store/order/created',
    });
  });

  it('answers concurrent copies of one event 202 once and 200 duplicate for the rest, and processes it once', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const headers = signedForTarget('stripe', rawBody);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => stack.post('stripe', rawBody, headers)),
    );
    const id = deriveWebhookId('stripe', event.id);
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200).map((r) => r.body)).toEqual(
      Array.from({ length: 7 }, () => ({ id, duplicate: true })),
    );
    const state = await stack.waitForState(id, isFinal);
    expect(state).toMatchObject({ status: 'completed', attempts: 1 });
    if (TARGET.functionLogs) {
      const starts = stack.logs.filter((l) => l.webhookId === id && l.event === 'attempt.started');
      expect(starts).toHaveLength(1);
    }
  });

  it('acknowledges a late duplicate (re-signed later, as a sender retry) without processing it again', async () => {
    const event = stripeEvent();
    const first = await stack.send('stripe', event);
    const done = await stack.waitForState(first.body.id, isFinal);
    const again = await stack.send('stripe', event);
    expect(again).toEqual({ status: 200, body: { id: first.body.id, duplicate: true } });
    await new Promise((r) => setTimeout(r, 500));
    expect(await stack.store.ledger.getState(first.body.id)).toEqual(done);
  });

  it('applies out-of-order events by provider time: the older one is recorded as stale', async () => {
    const intent = `pi_e2e_ordering_${Date.now()}`;
    const now = Math.floor(Date.now() / 1000);
    const newer = stripeEvent({
      type: 'payment_intent.succeeded',
      created: now,
      data: { object: { id: intent, status: 'succeeded' } },
    });
    const older = stripeEvent({
      type: 'payment_intent.created',
      created: now - 60,
      data: { object: { id: intent, status: 'requires_payment_method' } },
    });
    const a = await stack.send('stripe', newer);
    await stack.waitForState(a.body.id, isFinal);
    const b = await stack.send('stripe', older);
    const stale = await stack.waitForState(b.body.id, isFinal);
    expect(stale).toMatchObject({ status: 'completed', outcome: 'stale' });
    const projection = await stack.store.projections.getProjection(
      `stripe#payment_intent#${intent}`,
    );
    expect(projection).toMatchObject({ lastEventId: newer.id, state: { status: 'succeeded' } });
  });
});

// The aws profile deploys no secret for these providers, so there they answer 404.
describe.runIf(TARGET.target !== 'aws')(
  'GitHub, Shopify and Standard Webhooks: verified, stored, completed as ignored',
  () => {
    // No example processor handles these providers, so a stored webhook completes as `ignored`.
    it.each([
      ['github', githubIssuesEvent(), 'issues.opened'],
      ['shopify', shopifyOrderEvent(), 'orders/create'],
      ['standard-webhooks', standardWebhooksEvent({ type: 'invoice.paid' }), 'invoice.paid'],
    ] as const)(
      'stores a new %s webhook (202) and completes it as ignored',
      async (provider, event, eventType) => {
        const rawBody = JSON.stringify(event);
        const headers = await signedHeaders(provider, rawBody, { eventType });
        const response = await stack.post(provider, rawBody, headers);
        expect(response.status).toBe(202);
        const id = deriveWebhookId(provider, providerEventId(provider, rawBody, headers));
        expect(response.body).toEqual({ id });

        const state = await stack.waitForState(id, isFinal);
        expect(state).toMatchObject({
          status: 'completed',
          attempts: 1,
          outcome: 'ignored',
          provider,
          eventType,
        });
        const again = await stack.post(provider, rawBody, headers);
        expect(again).toEqual({ status: 200, body: { id, duplicate: true } });
      },
    );
  },
);

// Needs the fault injection hook, which the aws profile never deploys.
describe.runIf(TARGET.faultInjection)('failures, retries and the dead letter queue', () => {
  it('retries a webhook that fails once through SQS and completes it with attempts: 2', async () => {
    const response = await stack.send('stripe', stripeEvent(), { 'x-fault-fail-attempts': '1' });
    expect(response.status).toBe(202);
    const state = await stack.waitForState(response.body.id, isFinal);
    expect(state).toMatchObject({
      status: 'completed',
      attempts: 2,
      lastError: { code: 'injected_fault', attempt: 1 },
    });
  });

  it('takes over an attempt that crashed mid-way (function timed out) once its lease runs out', async () => {
    const response = await stack.send('stripe', stripeEvent(), { 'x-fault-hang-attempts': '1' });
    expect(response.status).toBe(202);
    const state = await stack.waitForState(response.body.id, isFinal, 30_000);
    expect(state).toMatchObject({ status: 'completed', attempts: 2, outcome: 'applied' });
    if (TARGET.functionLogs) {
      const starts = stack.logs.filter(
        (l) => l.webhookId === response.body.id && l.event === 'attempt.started',
      );
      expect(starts.map((l) => l.attempt)).toEqual([1, 2]);
    }
  });

  it('marks a webhook that always fails dead after 3 attempts and leaves its message in the DLQ', async () => {
    const before = await stack.queueDepth('DeadLetterQueueUrl');
    const response = await stack.send('bigcommerce', bigcommerceEvent(), {
      'x-fault-fail-attempts': '99',
    });
    const state = await stack.waitForState(response.body.id, isFinal, 30_000);
    expect(state).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastError: { code: 'injected_fault', attempt: 3 },
    });
    const after = await eventually(async () => {
      const depth = await stack.queueDepth('DeadLetterQueueUrl');
      return depth.visible > before.visible ? depth : undefined;
    }, 20_000);
    expect(after.visible).toBe(before.visible + 1);
    if (TARGET.functionLogs) {
      expect(
        stack.logs.some((l) => l.webhookId === response.body.id && l.event === 'webhook.dead'),
      ).toBe(true);
    }
  });
});

describe('bad input is rejected with a stable code and nothing is stored', () => {
  it('401 for a tampered body, and nothing is stored', async () => {
    const event = stripeEvent();
    const rawBody = JSON.stringify(event);
    const headers = signedForTarget('stripe', rawBody);
    const response = await stack.post(
      'stripe',
      rawBody.replace('"amount":', '"amount":1'),
      headers,
    );
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_signature');
    expect(await stack.store.ledger.getState(deriveWebhookId('stripe', event.id))).toBeUndefined();
  });

  it('401 when the signature headers are missing', async () => {
    const event = bigcommerceEvent();
    const response = await stack.post('bigcommerce', JSON.stringify(event), {
      'content-type': 'application/json',
    });
    expect(response).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
  });

  it('404 for an unknown provider', async () => {
    const response = await stack
      .send('stripe', stripeEvent())
      .then(() => stack.post('paypal', '{}', { 'content-type': 'application/json' }));
    expect(response).toMatchObject({ status: 404, body: { error: { code: 'unknown_provider' } } });
  });

  it('400 for a verified body that is not an event', async () => {
    const rawBody = JSON.stringify({ hello: 'world' });
    const response = await stack.post('stripe', rawBody, signedForTarget('stripe', rawBody));
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_event' } } });
  });

  it('413 for a body over the size limit', async () => {
    // Over what a 6 MB invocation leaves for the body (MAX_EVENT_BODY_BYTES), envelope still inside.
    const event = stripeEvent({ data: { object: { description: 'x'.repeat(6_280_000) } } });
    const response = await stack.send('stripe', event);
    expect(response).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect(await stack.store.ledger.getState(deriveWebhookId('stripe', event.id))).toBeUndefined();
  });

  it('never answers with a stack trace or a secret', async () => {
    const rawBody = JSON.stringify(stripeEvent());
    const response = await stack.post('stripe', rawBody, { 'stripe-signature': 't=1,v1=deadbeef' });
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
    expect(text).not.toContain('whsec_');
    if (TARGET.functionLogs) {
      expect(stack.logs.length).toBeGreaterThan(0);
      expect(stack.logs.map((l) => JSON.stringify(l)).join('\n')).not.toContain(
        'whsec_local_stripe_dev_secret',
      );
    }
  });
});
