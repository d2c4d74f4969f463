import { randomBytes, randomInt } from 'node:crypto';

/*
 * Event bodies shaped like the real senders' ones. They return plain objects: the caller
 * JSON.stringifies, because the exact bytes are what gets signed. Set a field to `undefined` in
 * the overrides to leave it out of the JSON.
 *
 * The Stripe and BigCommerce builders live in the signing proxy's catalogue, so the tests, the
 * proxy and the chaos suite send the same events; they are re-exported here.
 */
export {
  type BigCommerceEvent,
  type BigCommerceEventOverrides,
  bigcommerceEvent,
} from '../../services/signing-proxy/catalogue/bigcommerce.js';
export {
  type StripeEvent,
  type StripeEventOverrides,
  type StripePaymentIntent,
  stripeEvent,
} from '../../services/signing-proxy/catalogue/stripe.js';

function epochSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}

/** A GitHub `issues` delivery with `action: "opened"` (abridged to the fields that matter here). */
export function githubIssuesEvent(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const at = new Date(epochSeconds() * 1000).toISOString().replace('.000Z', 'Z');
  const number = randomInt(1, 100_000);
  return {
    action: 'opened',
    issue: {
      id: randomInt(1_000_000, 2_000_000_000),
      number,
      title: 'Webhook receiver drops events',
      state: 'open',
      user: { login: 'octocat', id: 1, type: 'User' },
      created_at: at,
      updated_at: at,
    },
    repository: {
      id: 1296269,
      name: 'Hello-World',
      full_name: 'octocat/Hello-World',
      private: false,
      updated_at: '2011-01-26T19:14:43Z',
    },
    sender: { login: 'octocat', id: 1, type: 'User' },
    ...overrides,
  };
}

/** A Shopify `orders/create` body: the REST order resource (abridged). */
export function shopifyOrderEvent(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const id = randomInt(1_000_000_000, 9_000_000_000);
  const at = new Date(epochSeconds() * 1000).toISOString().replace('.000Z', '-00:00');
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${randomInt(1000, 9999)}`,
    email: 'customer@example.com',
    created_at: at,
    updated_at: at,
    currency: 'USD',
    total_price: '59.99',
    financial_status: 'paid',
    fulfillment_status: null,
    ...overrides,
  };
}

/** A Standard Webhooks body in the spec's recommended envelope `{type, timestamp, data}`. */
export function standardWebhooksEvent(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'invoice.paid',
    timestamp: new Date().toISOString(),
    data: { id: `inv_${randomBytes(8).toString('hex')}`, amount: 2000, currency: 'usd' },
    ...overrides,
  };
}
