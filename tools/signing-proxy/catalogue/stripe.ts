import { stripe } from '../../../services/providers/stripe.js';
import { type IdSource, randomIds, stripeStyleId } from '../ids.js';
import { epochSeconds, isPlainObject, mergeOverrides } from './merge-overrides.js';
import {
  type CatalogueEntry,
  type CatalogueEvent,
  type EventFactoryInput,
  fromDescriptor,
  type ProviderCatalogue,
} from './provider-catalogue.js';

/*
 * Stripe events as Stripe delivers them to a webhook endpoint (snapshot events, test mode): the
 * Event object (id, object, api_version, created, data.object, data.previous_attributes on
 * `*.updated`, livemode, pending_webhooks, request, type), per https://docs.stripe.com/api/events/object.
 * Bodies are plain objects: the caller JSON.stringifies, because the exact bytes are what is signed.
 */

const API_VERSION = '2026-10-28.endive';

export interface StripePaymentError {
  code: string;
  decline_code?: string;
  doc_url: string;
  message: string;
  type: string;
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
  last_payment_error: StripePaymentError | null;
  latest_charge: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
  payment_method: string | null;
  payment_method_types: string[];
  status: string;
}

export interface StripeEvent<TObject = StripePaymentIntent> {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: TObject; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type StripeEventOverrides = Partial<Omit<StripeEvent, 'data'>> & {
  /** Merged into the default `data.object`, so a test can change just `amount` or `status`. */
  data?: { object?: Partial<StripePaymentIntent> };
};

/** A `payment_intent.succeeded` event with random ids (the test helpers' default event). */
export function stripeEvent(
  overrides: StripeEventOverrides = {},
  ids: IdSource = randomIds,
): StripeEvent {
  const created = overrides.created ?? epochSeconds(new Date());
  const { data, ...topLevel } = overrides;
  return {
    ...envelope(ids, 'payment_intent.succeeded', created),
    data: {
      object: {
        ...paymentIntent(ids, stripeStyleId(ids, 'pi'), created, 'succeeded'),
        ...data?.object,
      },
    },
    ...topLevel,
  };
}

function envelope(ids: IdSource, type: string, created: number) {
  return {
    id: stripeStyleId(ids, 'evt'),
    object: 'event' as const,
    api_version: API_VERSION,
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeStyleId(ids, 'req'), idempotency_key: ids.uuid() },
    type,
  };
}

type IntentStatus = 'requires_payment_method' | 'succeeded' | 'failed';

function paymentIntent(
  ids: IdSource,
  id: string,
  created: number,
  status: IntentStatus,
): StripePaymentIntent {
  const succeeded = status === 'succeeded';
  const failed = status === 'failed';
  return {
    id,
    object: 'payment_intent',
    amount: 2000,
    amount_capturable: 0,
    amount_received: succeeded ? 2000 : 0,
    capture_method: 'automatic_async',
    confirmation_method: 'automatic',
    created: created - 2,
    currency: 'usd',
    customer: stripeStyleId(ids, 'cus'),
    description: 'Order #1001',
    last_payment_error: failed
      ? {
          code: 'card_declined',
          decline_code: 'generic_decline',
          doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          message: 'Your card was declined.',
          type: 'card_error',
        }
      : null,
    latest_charge: succeeded || failed ? stripeStyleId(ids, 'ch') : null,
    livemode: false,
    metadata: { order_id: '1001' },
    payment_method: succeeded ? stripeStyleId(ids, 'pm') : null,
    payment_method_types: ['card'],
    // After a failed attempt the intent goes back to waiting for a payment method.
    status: failed ? 'requires_payment_method' : status,
  };
}

function charge(ids: IdSource, paymentIntentId: string, created: number) {
  return {
    id: stripeStyleId(ids, 'ch'),
    object: 'charge',
    amount: 2000,
    amount_captured: 2000,
    amount_refunded: 2000,
    balance_transaction: stripeStyleId(ids, 'txn'),
    captured: true,
    created: created - 3600,
    currency: 'usd',
    customer: stripeStyleId(ids, 'cus'),
    description: 'Order #1001',
    livemode: false,
    metadata: { order_id: '1001' },
    paid: true,
    payment_intent: paymentIntentId,
    payment_method: stripeStyleId(ids, 'pm'),
    refunded: true,
    status: 'succeeded',
  };
}

function customer(id: string, created: number) {
  return {
    id,
    object: 'customer',
    address: null,
    balance: 0,
    created: created - 86_400,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    email: 'jenny.rosen@example.com',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null },
    livemode: false,
    metadata: {},
    name: 'Jenny Rosen',
    phone: null,
    preferred_locales: [],
    tax_exempt: 'none',
  };
}

/** A catalogue entry: the envelope around the object `makeObject` builds for the resource. */
function entry(
  type: string,
  description: string,
  resourceType: 'payment_intent' | 'customer',
  makeObject: (ids: IdSource, resourceId: string, created: number) => Record<string, unknown>,
  previousAttributes?: Record<string, unknown>,
): CatalogueEntry {
  return {
    description,
    resourceType,
    build(input: EventFactoryInput = {}): CatalogueEvent {
      const ids = input.ids ?? randomIds;
      const created = epochSeconds(input.occurredAt ?? new Date());
      const resourceId =
        input.resourceId ?? stripeStyleId(ids, resourceType === 'customer' ? 'cus' : 'pi');
      const body: Record<string, unknown> = {
        ...envelope(ids, type, created),
        data: {
          object: makeObject(ids, resourceId, created),
          ...(previousAttributes ? { previous_attributes: previousAttributes } : {}),
        },
      };
      mergeOverrides(body, input.overrides);
      // Overrides may move the event (id, created): describe what is actually sent.
      const described = describeBody(body);
      return {
        provider: 'stripe',
        eventType: described.eventType ?? type,
        eventId: described.eventId ?? String(body.id),
        resource: `${resourceType}/${resourceId}`,
        occurredAt: described.occurredAt ?? new Date(created * 1000),
        body,
      };
    },
  };
}

function describeBody(body: unknown) {
  if (!isPlainObject(body)) return {};
  return {
    ...(typeof body.type === 'string' ? { eventType: body.type } : {}),
    ...(typeof body.id === 'string' ? { eventId: body.id } : {}),
    ...(typeof body.created === 'number' ? { occurredAt: new Date(body.created * 1000) } : {}),
  };
}

/*
 * Stripe's retries: "In live mode, Stripe attempts to deliver a given event to your webhook
 * endpoint for up to 3 days with an exponential back off" (sandboxes: three times over a few
 * hours), https://docs.stripe.com/webhooks#automatic-retries. Stripe does not publish the
 * intervals, so this models them: 5 minutes, doubling, with the last retry at 72 hours.
 */
const STRIPE_RETRY_DELAYS_SECONDS = (() => {
  const window = 3 * 86_400;
  const delays: number[] = [];
  let total = 0;
  for (let delay = 300; total + delay < window; delay *= 2) {
    delays.push(delay);
    total += delay;
  }
  delays.push(window - total);
  return delays;
})();

export const stripeCatalogue: ProviderCatalogue<'stripe'> = {
  ...fromDescriptor(stripe),
  events: {
    'payment_intent.created': entry(
      'payment_intent.created',
      'A payment intent was created; it waits for a payment method.',
      'payment_intent',
      (ids, id, created) => ({ ...paymentIntent(ids, id, created, 'requires_payment_method') }),
    ),
    'payment_intent.succeeded': entry(
      'payment_intent.succeeded',
      'The payment intent was paid.',
      'payment_intent',
      (ids, id, created) => ({ ...paymentIntent(ids, id, created, 'succeeded') }),
    ),
    'payment_intent.payment_failed': entry(
      'payment_intent.payment_failed',
      'A payment attempt failed (card declined); the intent needs another payment method.',
      'payment_intent',
      (ids, id, created) => ({ ...paymentIntent(ids, id, created, 'failed') }),
    ),
    'charge.refunded': entry(
      'charge.refunded',
      "The payment intent's charge was refunded in full; --resource names the payment intent.",
      'payment_intent',
      (ids, id, created) => charge(ids, id, created),
    ),
    'customer.updated': entry(
      'customer.updated',
      "A customer's email changed (data.previous_attributes holds the old one).",
      'customer',
      (_ids, id, created) => customer(id, created),
      { email: 'jenny@example.com' },
    ),
  },
  retrySchedule: {
    delaysSeconds: STRIPE_RETRY_DELAYS_SECONDS,
    source:
      'https://docs.stripe.com/webhooks#automatic-retries (up to 3 days, exponential backoff; intervals modelled)',
  },
  wrongSecret: 'whsec_not_the_configured_secret',
  signatureHeader: 'stripe-signature',
  describeBody,
  newEventId: (ids) => stripeStyleId(ids, 'evt'),
};
