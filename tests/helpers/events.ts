import { createHash, randomBytes, randomInt } from 'node:crypto';

/*
 * Event bodies shaped like the real senders' ones. They return plain objects: the caller
 * JSON.stringifies, because the exact bytes are what gets signed. Set a field to `undefined` in
 * the overrides to leave it out of the JSON.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Stripe-style object id: prefix plus 24 base62 characters, random so events never collide. */
function stripeId(prefix: string): string {
  const bytes = randomBytes(24);
  let suffix = '';
  for (const byte of bytes) suffix += BASE62[byte % BASE62.length];
  return `${prefix}_${suffix}`;
}

function epochSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  capture_method: string;
  confirmation_method: string;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  latest_charge: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
  payment_method: string | null;
  payment_method_types: string[];
  status: string;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripePaymentIntent };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type StripeEventOverrides = Partial<Omit<StripeEvent, 'data'>> & {
  /** Merged into the default `data.object`, so a test can change just `amount` or `status`. */
  data?: { object?: Partial<StripePaymentIntent> };
};

/** A `payment_intent.succeeded` event as Stripe delivers it to a webhook endpoint (test mode). */
export function stripeEvent(overrides: StripeEventOverrides = {}): StripeEvent {
  const created = overrides.created ?? epochSeconds();
  const paymentIntentId = stripeId('pi');
  const { data, ...topLevel } = overrides;
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: '2026-10-28.endive',
    created,
    data: {
      object: {
        id: paymentIntentId,
        object: 'payment_intent',
        amount: 2000,
        amount_capturable: 0,
        amount_received: 2000,
        capture_method: 'automatic_async',
        confirmation_method: 'automatic',
        created: created - 2,
        currency: 'usd',
        customer: stripeId('cus'),
        description: 'Order #1001',
        latest_charge: stripeId('ch'),
        livemode: false,
        metadata: { order_id: '1001' },
        payment_method: stripeId('pm'),
        payment_method_types: ['card'],
        status: 'succeeded',
        ...data?.object,
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId('req'), idempotency_key: randomBytes(16).toString('hex') },
    type: 'payment_intent.succeeded',
    ...topLevel,
  };
}

export interface BigCommerceEvent {
  created_at: number;
  store_id: string;
  producer: string;
  scope: string;
  hash: string;
  data: { type: string; id: number };
}

export type BigCommerceEventOverrides = Partial<Omit<BigCommerceEvent, 'data'>> & {
  data?: Partial<BigCommerceEvent['data']>;
};

/** A `store/order/created` callback: BigCommerce sends only the resource type and id. */
export function bigcommerceEvent(overrides: BigCommerceEventOverrides = {}): BigCommerceEvent {
  const { data, ...topLevel } = overrides;
  const event = {
    created_at: epochSeconds(),
    store_id: '1025646',
    producer: 'stores/k7x2qpbm4d',
    scope: 'store/order/created',
    hash: '',
    data: { type: 'order', id: randomInt(100, 1_000_000), ...data },
    ...topLevel,
  };
  // BigCommerce's `hash` is a SHA-1 of the payload; computing one keeps it distinct per event.
  if (!('hash' in overrides)) {
    event.hash = createHash('sha1')
      .update(JSON.stringify({ ...event, hash: undefined }))
      .digest('hex');
  }
  return event;
}
