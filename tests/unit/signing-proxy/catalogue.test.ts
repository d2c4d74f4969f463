import { describe, expect, it } from 'vitest';
import { bigcommerceCatalogue } from '../../../services/signing-proxy/catalogue/bigcommerce.js';
import { CATALOGUES } from '../../../services/signing-proxy/catalogue/catalogues.js';
import { stripeCatalogue } from '../../../services/signing-proxy/catalogue/stripe.js';
import { seededIds } from '../../../services/signing-proxy/ids.js';
import { Rng } from '../../../services/signing-proxy/prng.js';
import { LOCAL_DEFAULT_SECRETS } from '../../../stack/profile.js';

const AT = new Date('2026-03-01T10:00:00.000Z');
const AT_S = AT.getTime() / 1000;

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
      const signInput = { rawBody, timestamp: new Date(), eventId: event.eventId, eventType: type };
      const headers = await signer.sign(signInput);
      expect(headers[catalogue.signatureHeader]).toBeTruthy();
      const verified = await signer.verify({ rawBody, headers, receivedAt: new Date() });
      expect(verified).toMatchObject({
        eventId: event.eventId,
        eventType: type,
        occurredAt: AT.toISOString(),
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
    expect(stripeCatalogue.secret.localDefault).toBe(LOCAL_DEFAULT_SECRETS.stripe);
    expect(bigcommerceCatalogue.secret.localDefault).toBe(LOCAL_DEFAULT_SECRETS.bigcommerce);
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
