/*
 * Event bodies shaped like the real senders' ones. They return plain objects: the caller
 * JSON.stringifies, because the exact bytes are what gets signed. Set a field to `undefined` in
 * the overrides to leave it out of the JSON.
 *
 * The builders live in the signing proxy's catalogue, so the tests, the proxy and the chaos suite
 * send the same events; they are re-exported here.
 */
export {
  type BigCommerceEvent,
  type BigCommerceEventOverrides,
  bigcommerceEvent,
} from './catalogue/bigcommerce.js';
export { githubIssuesEvent } from './catalogue/github.js';
export { shopifyOrderEvent } from './catalogue/shopify.js';
export { standardWebhooksEvent } from './catalogue/standard-webhooks.js';
export {
  type StripeEvent,
  type StripeEventOverrides,
  type StripePaymentIntent,
  stripeEvent,
} from './catalogue/stripe.js';
