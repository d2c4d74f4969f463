import { describe, expect, it } from 'vitest';
import { PROVIDER_REGISTRY } from '../../../services/providers/registry.js';
import { SignatureVerificationError } from '../../../services/shared/errors.js';
import { bigcommerceCatalogue } from '../../../tools/signing-proxy/catalogue/bigcommerce.js';
import { CATALOGUES } from '../../../tools/signing-proxy/catalogue/catalogues.js';
import { githubCatalogue } from '../../../tools/signing-proxy/catalogue/github.js';
import { shopifyCatalogue } from '../../../tools/signing-proxy/catalogue/shopify.js';
import { standardWebhooksCatalogue } from '../../../tools/signing-proxy/catalogue/standard-webhooks.js';
import { stripeCatalogue } from '../../../tools/signing-proxy/catalogue/stripe.js';
import { seededIds } from '../../../tools/signing-proxy/ids.js';
import { Rng } from '../../../tools/signing-proxy/prng.js';

const AT = new Date('2026-03-01T10:00:00.000Z');
const AT_S = AT.getTime() / 1000;

/**
 * When the receiver says the event happened: the payload's own time (AT), except where the
 * provider's module reads it elsewhere. Shopify prefers `X-Shopify-Triggered-At`, which `sign`
 * sets to the signing time; a GitHub push carries no resource time, so it is the time of receipt.
 */
function receiverTime(
  provider: string,
  type: string,
  at: { signedAt: Date; receivedAt: Date },
): Date {
  if (provider === 'shopify') return at.signedAt;
  if (provider === 'github' && type === 'push') return at.receivedAt;
  return AT;
}

const entries = CATALOGUES.flatMap((catalogue) =>
  Object.keys(catalogue.events).map((type) => [catalogue.provider, type] as const),
);

describe('every catalogue event', () => {
  it.each(entries)(
    '%s %s is signed by the receiver’s own provider module and verifies as what it says',
    async (provider, type) => {
      const catalogue = CATALOGUES.find((c) => c.provider === provider)!;
      const event = catalogue.events[type]!.build({ occurredAt: AT });
      const rawBody = JSON.stringify(event.body);
      const signer = catalogue.createProvider([catalogue.secret.localDefault]);
      const signedAt = new Date();
      const signInput = { rawBody, timestamp: signedAt, eventId: event.eventId, eventType: type };
      const headers = await signer.sign(signInput);
      expect(headers[catalogue.signatureHeader]).toBeTruthy();
      const receivedAt = new Date(signedAt.getTime() + 1);
      const verified = await signer.verify({ rawBody, headers, receivedAt });
      expect(verified).toMatchObject({
        eventId: event.eventId,
        eventType: type,
        occurredAt: receiverTime(provider, type, { signedAt, receivedAt }).toISOString(),
      });
      expect(event.occurredAt).toEqual(AT);
      expect(event.eventType).toBe(type);
    },
  );

  it('is reproducible from seeded ids and distinct with random ones', () => {
    for (const [provider, type] of entries) {
      const entry = CATALOGUES.find((c) => c.provider === provider)!.events[type]!;
      const seeded = () => entry.build({ occurredAt: AT, ids: seededIds(new Rng(8)) });
      expect(seeded()).toEqual(seeded());
      expect(entry.build().eventId).not.toBe(entry.build().eventId);
    }
  });

  it('signs with the same local default secrets the stack gives the receiver', () => {
    expect(stripeCatalogue.secret.localDefault).toBe(PROVIDER_REGISTRY.stripe.secret.localDefault);
    expect(bigcommerceCatalogue.secret.localDefault).toBe(
      PROVIDER_REGISTRY.bigcommerce.secret.localDefault,
    );
    expect(githubCatalogue.secret.localDefault).toBe(PROVIDER_REGISTRY.github.secret.localDefault);
    expect(shopifyCatalogue.secret.localDefault).toBe(
      PROVIDER_REGISTRY.shopify.secret.localDefault,
    );
    expect(standardWebhooksCatalogue.secret.localDefault).toBe(
      PROVIDER_REGISTRY['standard-webhooks'].secret.localDefault,
    );
  });

  it('read the same variables as the stack', () => {
    const byProvider = Object.fromEntries(CATALOGUES.map((c) => [c.provider, c.secret.env]));
    expect(byProvider).toMatchObject({
      github: PROVIDER_REGISTRY.github.secret.variable,
      shopify: PROVIDER_REGISTRY.shopify.secret.variable,
      'standard-webhooks': PROVIDER_REGISTRY['standard-webhooks'].secret.variable,
    });
  });

  it('are refused when signed with the wrong secret', async () => {
    for (const catalogue of CATALOGUES) {
      const [type, entry] = Object.entries(catalogue.events)[0]!;
      const event = entry.build();
      const rawBody = JSON.stringify(event.body);
      const timestamp = new Date();
      const headers = await catalogue
        .createProvider([catalogue.wrongSecret])
        .sign({ rawBody, timestamp, eventId: event.eventId, eventType: type });
      const receiver = catalogue.createProvider([catalogue.secret.localDefault]);
      await expect(
        (async () => receiver.verify({ rawBody, headers, receivedAt: timestamp }))(),
        catalogue.provider,
      ).rejects.toThrow(SignatureVerificationError);
    }
  });
});

describe('Stripe events', () => {
  const build = (type: string, input = {}) =>
    stripeCatalogue.events[type]!.build({ occurredAt: AT, resourceId: 'pi_test123', ...input });

  it('have the Event object’s shape, with the resource inside', () => {
    const event = build('payment_intent.succeeded');
    expect(Object.keys(event.body).sort()).toEqual(
      [
        'api_version',
        'created',
        'data',
        'id',
        'livemode',
        'object',
        'pending_webhooks',
        'request',
        'type',
      ].sort(),
    );
    expect(event.body).toMatchObject({
      object: 'event',
      type: 'payment_intent.succeeded',
      created: AT_S,
      livemode: false,
      data: { object: { id: 'pi_test123', object: 'payment_intent', status: 'succeeded' } },
    });
    expect(event.eventId).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    expect(event.body.id).toBe(event.eventId);
    expect(event.resource).toBe('payment_intent/pi_test123');
  });

  it('tell a payment intent’s story by status', () => {
    const status = (type: string) =>
      (build(type).body.data as { object: { status: string; amount_received: number } }).object;
    expect(status('payment_intent.created')).toMatchObject({
      status: 'requires_payment_method',
      amount_received: 0,
    });
    expect(status('payment_intent.succeeded')).toMatchObject({
      status: 'succeeded',
      amount_received: 2000,
    });
    expect(status('payment_intent.payment_failed')).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', type: 'card_error' },
    });
  });

  it('refund the payment intent’s charge, and update customers with previous_attributes', () => {
    expect(build('charge.refunded').body.data).toMatchObject({
      object: {
        object: 'charge',
        payment_intent: 'pi_test123',
        refunded: true,
        amount_refunded: 2000,
      },
    });
    const customer = stripeCatalogue.events['customer.updated']!.build({ resourceId: 'cus_abc' });
    expect(customer.body.data).toMatchObject({
      object: { id: 'cus_abc', object: 'customer' },
      previous_attributes: { email: expect.any(String) },
    });
    expect(customer.resource).toBe('customer/cus_abc');
  });

  it('take deep overrides, and describe what is actually sent', () => {
    const event = build('payment_intent.succeeded', {
      overrides: { id: 'evt_fixed', data: { object: { amount: 500 } }, livemode: undefined },
    });
    expect(event.eventId).toBe('evt_fixed');
    expect(event.body).toMatchObject({ data: { object: { amount: 500, id: 'pi_test123' } } });
    expect(JSON.parse(JSON.stringify(event.body))).not.toHaveProperty('livemode');
  });

  it('retry for three days with exponential backoff', () => {
    const delays = stripeCatalogue.retrySchedule.delaysSeconds;
    expect(delays.reduce((a, b) => a + b, 0)).toBe(3 * 86_400);
    expect(delays[0]).toBe(300);
    expect(delays[1]).toBe(600);
  });
});

describe('BigCommerce events', () => {
  const build = (type: string, input = {}) =>
    bigcommerceCatalogue.events[type]!.build({ occurredAt: AT, resourceId: '250', ...input });

  it('have the callback’s light shape, the id travelling in webhook-id', () => {
    const event = build('store/order/created');
    expect(Object.keys(event.body).sort()).toEqual(
      ['created_at', 'data', 'hash', 'producer', 'scope', 'store_id'].sort(),
    );
    expect(event.body).toMatchObject({
      scope: 'store/order/created',
      created_at: AT_S,
      store_id: '1025646',
      producer: expect.stringMatching(/^stores\//),
      hash: expect.stringMatching(/^[0-9a-f]{40}$/),
      data: { type: 'order', id: 250 },
    });
    expect(event.eventId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(event.resource).toBe('order/250');
  });

  it('carry the status change on statusUpdated, and the product on product events', () => {
    expect(build('store/order/statusUpdated').body.data).toMatchObject({
      type: 'order',
      id: 250,
      status: { previous_status_id: expect.any(Number), new_status_id: expect.any(Number) },
    });
    const product = build('store/product/updated', { resourceId: '77' });
    expect(product.body.data).toEqual({ type: 'product', id: 77 });
    expect(product.resource).toBe('product/77');
  });

  it('hash each payload apart, unless the hash is overridden', () => {
    expect(build('store/order/updated').body.hash).not.toBe(
      build('store/order/updated', { occurredAt: new Date(AT.getTime() + 1000) }).body.hash,
    );
    expect(build('store/order/updated', { overrides: { hash: 'fixed' } }).body.hash).toBe('fixed');
  });

  it('retry on BigCommerce’s documented schedule, about 48 hours', () => {
    const delays = bigcommerceCatalogue.retrySchedule.delaysSeconds;
    expect(delays).toEqual([60, 180, 300, 600, 900, 1800, 3600, 7200, 21_600, 50_400, 86_400]);
    expect(delays.reduce((a, b) => a + b, 0) / 3600).toBeCloseTo(48, 0);
  });
});

describe('GitHub events', () => {
  const build = (type: string, input = {}) =>
    githubCatalogue.events[type]!.build({ occurredAt: AT, ...input });

  it('carry the action, the resource, the repository and the sender; the id is a delivery GUID', () => {
    const event = build('issues.opened', { resourceId: '42' });
    expect(event.body).toMatchObject({
      action: 'opened',
      issue: { number: 42, state: 'open', created_at: '2026-03-01T10:00:00Z' },
      repository: { full_name: 'octocat/Hello-World' },
      sender: { login: 'octocat' },
    });
    expect(event.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(event.resource).toBe('issue/42');
  });

  it('push names the branch and the head commit, with the repository times in epoch seconds', () => {
    const event = build('push', { resourceId: 'main' });
    const body = event.body as {
      ref: string;
      after: string;
      head_commit: { id: string; timestamp: string };
      commits: unknown[];
      repository: { pushed_at: number };
    };
    expect(body.ref).toBe('refs/heads/main');
    expect(body.after).toBe(body.head_commit.id);
    expect(body.head_commit.timestamp).toBe('2026-03-01T10:00:00Z');
    expect(body.commits).toHaveLength(2);
    expect(body.repository.pushed_at).toBe(AT_S);
    expect(event.body).not.toHaveProperty('action');
    expect(event.resource).toBe('branch/main');
  });

  it('open and close (merge) pull requests, and publish releases', () => {
    expect(build('pull_request.opened', { resourceId: '7' }).body).toMatchObject({
      action: 'opened',
      number: 7,
      pull_request: { number: 7, state: 'open', merged: false, head: { ref: 'retry-backoff' } },
    });
    expect(build('pull_request.closed', { resourceId: '7' }).body).toMatchObject({
      action: 'closed',
      pull_request: { state: 'closed', merged: true, closed_at: '2026-03-01T10:00:00Z' },
    });
    expect(build('release.published').body).toMatchObject({
      action: 'published',
      release: { tag_name: 'v1.2.0', draft: false, published_at: '2026-03-01T10:00:00Z' },
    });
  });

  it('do not retry: GitHub never redelivers a failed delivery by itself', () => {
    expect(githubCatalogue.retrySchedule.delaysSeconds).toEqual([]);
    expect(githubCatalogue.retrySchedule.source).toMatch(/docs\.github\.com/);
  });
});

describe('Shopify events', () => {
  const build = (type: string, input = {}) =>
    shopifyCatalogue.events[type]!.build({ occurredAt: AT, resourceId: '5678901234567', ...input });

  it('are the resource itself, times in the shop’s zone; the id is a webhook-id UUID', () => {
    const event = build('orders/create');
    expect(event.body).toMatchObject({
      id: 5678901234567,
      admin_graphql_api_id: 'gid://shopify/Order/5678901234567',
      financial_status: 'pending',
      created_at: '2026-03-01T05:00:00-05:00',
      updated_at: '2026-03-01T05:00:00-05:00',
      line_items: [expect.objectContaining({ quantity: 1 })],
    });
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.resource).toBe('order/5678901234567');
  });

  it('tell an order’s story, and update products and customers', () => {
    expect(build('orders/updated').body).toMatchObject({ note: expect.any(String) });
    expect(build('orders/paid').body).toMatchObject({ financial_status: 'paid' });
    expect(build('products/update').body).toMatchObject({
      admin_graphql_api_id: 'gid://shopify/Product/5678901234567',
      variants: [expect.objectContaining({ product_id: 5678901234567 })],
    });
    const customer = build('customers/update');
    expect(customer.body).toMatchObject({ email: expect.any(String), state: 'enabled' });
    expect(customer.resource).toBe('customer/5678901234567');
  });

  it('retry 8 times over 4 hours, backing off', () => {
    const delays = shopifyCatalogue.retrySchedule.delaysSeconds;
    expect(delays).toHaveLength(8);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(4 * 3600);
    expect([...delays].sort((a, b) => a - b)).toEqual(delays);
  });
});

describe('Standard Webhooks events', () => {
  const build = (type: string, input = {}) =>
    standardWebhooksCatalogue.events[type]!.build({ occurredAt: AT, ...input });

  it('use the spec’s {type, timestamp, data} envelope; the id is a msg_ webhook-id', () => {
    const event = build('invoice.paid', { resourceId: 'inv_1' });
    expect(Object.keys(event.body).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(event.body).toMatchObject({
      type: 'invoice.paid',
      timestamp: AT.toISOString(),
      data: { id: 'inv_1', status: 'paid', amount_paid: 2000 },
    });
    expect(event.eventId).toMatch(/^msg_[0-9A-Za-z]{27}$/);
    expect(event.resource).toBe('invoice/inv_1');
    expect(build('user.created', { resourceId: 'user_1' }).body).toMatchObject({
      type: 'user.created',
      data: { id: 'user_1', created_at: AT.toISOString() },
    });
    expect(build('user.updated').body).toMatchObject({ type: 'user.updated' });
  });

  it('describe a forwarded body by its type and timestamp', () => {
    expect(standardWebhooksCatalogue.describeBody(build('user.updated').body)).toEqual({
      eventType: 'user.updated',
      occurredAt: AT,
    });
  });

  it('retry on the spec’s example schedule, about 75 hours', () => {
    const delays = standardWebhooksCatalogue.retrySchedule.delaysSeconds;
    expect(delays).toEqual([5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(75 * 3600 + 35 * 60 + 5);
  });
});
