import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import { sha256 } from '../services/webhooks/webhook-ledger.js';
import { build } from '../tools/signing-proxy/app.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import type { RunReport } from '../tools/signing-proxy/run-report.js';
import type { CatalogueListing } from '../tools/signing-proxy/signing-proxy.js';
import { TARGET, targetSecrets } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The signing proxy's HTTP API (app.inject, no network on the proxy's side) against a real
 * receiver: everything it sends goes through the whole pipeline.
 */

let stack: TestStack;
let proxy: FastifyInstance;

beforeAll(async () => {
  stack = await startTestStack();
  const secrets = targetSecrets(TARGET.target);
  proxy = build({
    receiverUrl: stack.apiUrl,
    fetch: stack.fetch,
    secrets: { stripe: [secrets.stripe], bigcommerce: [secrets.bigcommerce] },
  });
});
afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
});

const isFinal = (s: { status: string }) => s.status === 'completed' || s.status === 'dead';

// The proxy's POST routes take JSON (an empty body too) or YAML, never a page's text/plain.
async function post(
  url: string,
  payload?: unknown,
  contentType = 'application/json',
): Promise<RunReport> {
  const response = await proxy.inject({
    method: 'POST',
    url,
    ...(payload === undefined ? {} : { payload: payload as string }),
    headers: { 'content-type': contentType },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as RunReport;
}

describe('signing proxy → receiver', () => {
  it('lists its catalogue', async () => {
    const response = await proxy.inject({ method: 'GET', url: '/catalogue' });
    const listing = response.json() as CatalogueListing;
    expect(listing.receiver).toBe(stack.apiUrl);
    expect(
      Object.fromEntries(listing.providers.map((p) => [p.provider, p.events.map((e) => e.type)])),
    ).toEqual({
      stripe: [
        'payment_intent.created',
        'payment_intent.succeeded',
        'payment_intent.payment_failed',
        'charge.refunded',
        'customer.updated',
      ],
      bigcommerce: [
        'store/order/created',
        'store/order/updated',
        'store/order/statusUpdated',
        'store/product/updated',
      ],
      github: [
        'push',
        'issues.opened',
        'pull_request.opened',
        'pull_request.closed',
        'release.published',
      ],
      shopify: [
        'orders/create',
        'orders/updated',
        'orders/paid',
        'products/update',
        'customers/update',
      ],
      'standard-webhooks': ['invoice.paid', 'user.created', 'user.updated'],
    });
  });

  // They sign with the local defaults, which the aws profile does not deploy (it answers 404).
  it.runIf(TARGET.target !== 'aws')(
    'sends GitHub and Shopify catalogue events, ids in headers, that the receiver stores (202)',
    async () => {
      for (const [path, provider, eventType] of [
        ['/send/github/pull_request.opened', 'github', 'pull_request.opened'],
        ['/send/shopify/orders/paid', 'shopify', 'orders/paid'],
      ] as const) {
        const report = await post(path);
        const [delivery] = report.deliveries;
        const id = deriveWebhookId(provider, delivery!.eventId);
        expect(delivery, path).toMatchObject({
          provider,
          eventType,
          webhookId: id,
          response: { status: 202, body: { id } },
        });
        expect(await stack.waitForState(id, isFinal)).toMatchObject({
          status: 'completed',
          provider,
          eventType,
        });
      }
    },
  );

  it('sends a catalogue event that the receiver stores (202) and applies to its resource', async () => {
    const intent = `pi_proxy_${Date.now()}`;
    const report = await post(`/send/stripe/payment_intent.succeeded?resource=${intent}`);
    expect(report.deliveries).toHaveLength(1);
    const [delivery] = report.deliveries;
    const id = deriveWebhookId('stripe', delivery!.eventId);
    expect(delivery).toMatchObject({
      provider: 'stripe',
      eventType: 'payment_intent.succeeded',
      resource: `payment_intent/${intent}`,
      webhookId: id,
      copy: 0,
      attempt: 1,
      chaos: [],
      response: { status: 202, body: { id } },
    });
    expect(await stack.waitForState(id, isFinal)).toMatchObject({
      status: 'completed',
      attempts: 1,
      outcome: 'applied',
    });
    expect(
      await stack.store.projections.getProjection(`stripe#payment_intent#${intent}`),
    ).toMatchObject({
      lastEventId: delivery!.eventId,
      state: { status: 'succeeded' },
    });
  });

  it('sends concurrent duplicates: one 202, the rest 200 duplicate, one webhook processed once', async () => {
    const report = await post('/send/bigcommerce/store/order/created?duplicates=3&concurrent');
    expect(report.deliveries).toHaveLength(4);
    const id = deriveWebhookId('bigcommerce', report.events[0]!.eventId);
    expect(report.deliveries.map((d) => d.response.status).sort()).toEqual([200, 200, 200, 202]);
    expect(new Set(report.deliveries.map((d) => d.webhookId))).toEqual(new Set([id]));
    expect(report.deliveries.every((d) => d.chaos.includes('duplicate:concurrent'))).toBe(true);
    expect(await stack.waitForState(id, isFinal)).toMatchObject({
      status: 'completed',
      attempts: 1,
    });
  });

  it.each([
    ['tamper=body', 'tamper:body'],
    ['tamper=signature', 'tamper:signature'],
    ['stale', 'timestamp:-600s'],
    ['future', 'timestamp:+600s'],
    ['wrong-secret', 'wrong-secret'],
  ])('is refused 401 with ?%s, and nothing is stored', async (query, label) => {
    for (const path of [
      '/send/stripe/payment_intent.created',
      '/send/bigcommerce/store/order/updated',
    ]) {
      const report = await post(`${path}?${query}`);
      const [delivery] = report.deliveries;
      expect(delivery).toMatchObject({
        chaos: [label],
        response: { status: 401, body: { error: { code: 'invalid_signature' } } },
      });
      expect(delivery!.webhookId).toBeUndefined();
      const id = deriveWebhookId(delivery!.provider, delivery!.eventId);
      expect(await stack.store.ledger.getState(id)).toBeUndefined();
    }
  });

  it('retries a refused delivery on the provider’s schedule, compressed, as the sender would', async () => {
    const report = await post(
      '/send/bigcommerce/store/order/created?stale&retry&compress=100000&max-retries=2',
    );
    expect(report.deliveries.map((d) => [d.attempt, d.response.status])).toEqual([
      [1, 401],
      [2, 401],
      [3, 401],
    ]);
    expect(new Set(report.deliveries.map((d) => d.eventId)).size).toBe(1);
    expect(report.summary).toMatchObject({
      events: 1,
      deliveries: 3,
      retries: 2,
      unacknowledged: 1,
    });
  });

  it.runIf(TARGET.faultInjection)(
    'passes extra headers, so a test can make processing fail once',
    async () => {
      const report = await post(
        '/send/stripe/payment_intent.created?header=x-fault-fail-attempts%3D1',
      );
      const id = report.deliveries[0]!.webhookId!;
      expect(await stack.waitForState(id, isFinal, 30_000)).toMatchObject({
        status: 'completed',
        attempts: 2,
        lastError: { code: 'injected_fault', attempt: 1 },
      });
    },
  );

  it('forwards a captured body byte for byte, signed as the provider', async () => {
    const captured = `{ "note": "spacing kept",${JSON.stringify(stripeEvent()).slice(1)}`;
    const report = await post('/forward/stripe', captured, 'application/json');
    const [delivery] = report.deliveries;
    expect(delivery!.response.status).toBe(202);
    const stored = await stack.store.ledger.getWebhook(delivery!.webhookId!);
    expect(stored?.body).toMatchObject({ location: 'inline', sha256: sha256(captured) });

    const bigcommerce = JSON.stringify({
      scope: 'store/order/updated',
      store_id: '1025646',
      data: { type: 'order', id: 4242 },
      hash: 'abc',
      created_at: Math.floor(Date.now() / 1000),
      producer: 'stores/abc',
    });
    const replay = await post(
      '/forward/bigcommerce?eventId=msg_replayed_1',
      bigcommerce,
      'application/json',
    );
    expect(replay.deliveries[0]).toMatchObject({
      eventId: 'msg_replayed_1',
      webhookId: deriveWebhookId('bigcommerce', 'msg_replayed_1'),
      response: { status: 202 },
    });
  });

  it('sends a burst of distinct events at a rate', async () => {
    const report = await post('/send/bigcommerce/store/order/statusUpdated?count=5&rate=50');
    expect(report.events).toHaveLength(5);
    expect(new Set(report.events.map((e) => e.eventId)).size).toBe(5);
    expect(new Set(report.events.map((e) => e.resource)).size).toBe(1);
    expect(report.deliveries.every((d) => d.response.status === 202)).toBe(true);
  });

  it('runs a YAML scenario and reproduces it from its seed', async () => {
    const yaml = [
      'generate:',
      '  - provider: stripe',
      '    resources: 2',
      '    eventsPerResource: 3',
      '    types: [payment_intent.created, payment_intent.succeeded]',
      'chaos:',
      '  reorder: { window: 10 }',
      '  duplicates: { copies: 1, rate: 0.5, spacingMs: 50 }',
    ].join('\n');
    const first = await post('/scenario?seed=99', yaml, 'application/yaml');
    expect(first.seed).toBe(99);
    expect(first.summary).toMatchObject({ events: 6, deliveries: 9, unacknowledged: 0 });
    expect(first.summary.byStatus['202']).toBe(6);

    // Same seed, same events: the receiver has them all already.
    const again = await post('/scenario?seed=99', yaml, 'application/yaml');
    expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
    expect(again.events.map((e) => e.chaos)).toEqual(first.events.map((e) => e.chaos));
    expect(again.deliveries.every((d) => d.response.status === 200)).toBe(true);
  });

  it('answers a bad request with a stable code', async () => {
    const cases: Array<[string, number, string]> = [
      ['/send/paypal/payment.created', 404, 'unknown_event'],
      ['/send/stripe/payment_intent.exploded', 404, 'unknown_event'],
      ['/send/stripe/payment_intent.created?duplicate=2', 400, 'invalid_request'],
      ['/send/stripe/payment_intent.created?tamper=headers', 400, 'invalid_request'],
    ];
    for (const [url, status, code] of cases) {
      const response = await proxy.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode, url).toBe(status);
      expect(response.json(), url).toMatchObject({ error: { code } });
    }
  });
});
