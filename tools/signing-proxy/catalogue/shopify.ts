import { shopify } from '../../../services/providers/shopify.js';
import { type IdSource, randomIds } from '../ids.js';
import { epochSeconds, isPlainObject, mergeOverrides } from './merge-overrides.js';
import {
  type CatalogueEntry,
  type CatalogueEvent,
  type EventFactoryInput,
  fromDescriptor,
  type ProviderCatalogue,
} from './provider-catalogue.js';
import { numericIfPossible } from './resource-id.js';

/*
 * Shopify webhooks (JSON, REST resource payloads) send the resource itself as the body, abridged
 * here to the fields a receiver reads: the Order, Product and Customer resources of the Admin
 * REST API, https://shopify.dev/docs/api/admin-rest (the webhook payload examples under
 * https://shopify.dev/docs/api/webhooks). The topic travels in `X-Shopify-Topic`, the delivery id
 * in `X-Shopify-Webhook-Id` (the event id handed to `Provider.sign`). Times are ISO 8601 in the
 * shop's own zone, to the second.
 */

const SHOP_UTC_OFFSET_HOURS = -5;
const SHOP_ZONE = '-05:00';

type Json = Record<string, unknown>;

/** A shop-zone ISO 8601 time, to the second, as Shopify's payloads carry them. */
function shopTime(seconds: number): string {
  const local = new Date((seconds + SHOP_UTC_OFFSET_HOURS * 3600) * 1000).toISOString();
  return local.replace('.000Z', SHOP_ZONE);
}

/** Shopify resource ids: 13-digit integers. */
const newId = (ids: IdSource) => ids.int(1_000_000_000_000, 9_999_999_999_999);

function gid(type: string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

function address(): Json {
  return {
    first_name: 'Jenny',
    last_name: 'Rosen',
    address1: '150 Elgin Street',
    address2: '8th floor',
    city: 'Ottawa',
    province: 'Ontario',
    province_code: 'ON',
    country: 'Canada',
    country_code: 'CA',
    zip: 'K2P 1L4',
    phone: '+16135550142',
    company: null,
  };
}

function customer(ids: IdSource, id: number | string, at: number, createdAt: number): Json {
  return {
    id,
    email: 'jenny.rosen@example.com',
    created_at: shopTime(createdAt),
    updated_at: shopTime(at),
    first_name: 'Jenny',
    last_name: 'Rosen',
    state: 'enabled',
    note: null,
    verified_email: true,
    multipass_identifier: null,
    tax_exempt: false,
    phone: '+16135550142',
    currency: 'USD',
    tax_exemptions: [],
    admin_graphql_api_id: gid('Customer', id),
    default_address: {
      id: newId(ids),
      customer_id: id,
      ...address(),
      default: true,
    },
    email_marketing_consent: {
      state: 'subscribed',
      opt_in_level: 'single_opt_in',
      consent_updated_at: shopTime(at),
    },
    sms_marketing_consent: null,
    tags: 'vip',
  };
}

type OrderStage = 'created' | 'updated' | 'paid';

function order(ids: IdSource, id: number | string, at: number, stage: OrderStage): Json {
  const createdAt = stage === 'created' ? at : at - 900;
  const number = ids.int(1000, 9999);
  const paid = stage === 'paid';
  const customerId = newId(ids);
  const lineItemId = newId(ids);
  return {
    id,
    admin_graphql_api_id: gid('Order', id),
    app_id: 580111,
    browser_ip: '203.0.113.7',
    buyer_accepts_marketing: true,
    cancel_reason: null,
    cancelled_at: null,
    checkout_id: newId(ids),
    checkout_token: ids.token(32, '0123456789abcdef'),
    closed_at: null,
    confirmation_number: ids.token(9, 'ABCDEFGHJKLMNPQRSTUVWXYZ'),
    confirmed: true,
    contact_email: 'jenny.rosen@example.com',
    created_at: shopTime(createdAt),
    currency: 'USD',
    current_subtotal_price: '49.99',
    current_total_price: '59.99',
    current_total_tax: '5.00',
    customer_locale: 'en-CA',
    email: 'jenny.rosen@example.com',
    financial_status: paid ? 'paid' : 'pending',
    fulfillment_status: null,
    name: `#${number}`,
    note: stage === 'updated' ? 'Leave at the front desk.' : null,
    number: number - 1000,
    order_number: number,
    phone: null,
    presentment_currency: 'USD',
    processed_at: shopTime(createdAt),
    subtotal_price: '49.99',
    tags: stage === 'updated' ? 'gift' : '',
    test: false,
    token: ids.token(32, '0123456789abcdef'),
    total_discounts: '0.00',
    total_line_items_price: '49.99',
    total_price: '59.99',
    total_shipping_price_set: {
      shop_money: { amount: '5.00', currency_code: 'USD' },
      presentment_money: { amount: '5.00', currency_code: 'USD' },
    },
    total_tax: '5.00',
    total_weight: 500,
    updated_at: shopTime(at),
    billing_address: address(),
    shipping_address: address(),
    customer: {
      id: customerId,
      email: 'jenny.rosen@example.com',
      first_name: 'Jenny',
      last_name: 'Rosen',
      admin_graphql_api_id: gid('Customer', customerId),
    },
    line_items: [
      {
        id: lineItemId,
        admin_graphql_api_id: gid('LineItem', lineItemId),
        name: 'Webhook T-shirt - M',
        price: '49.99',
        product_id: 7_513_594_462_392,
        quantity: 1,
        requires_shipping: true,
        sku: 'WH-TEE-M',
        taxable: true,
        title: 'Webhook T-shirt',
        variant_id: 42_479_590_473_912,
        variant_title: 'M',
        vendor: 'Webhook Receiver Dev',
      },
    ],
    fulfillments: [],
    refunds: [],
    payment_gateway_names: paid ? ['shopify_payments'] : [],
  };
}

function product(ids: IdSource, id: number | string, at: number): Json {
  const variantId = newId(ids);
  return {
    id,
    admin_graphql_api_id: gid('Product', id),
    title: 'Webhook T-shirt',
    body_html: '<p>Soft cotton, printed with a retry schedule.</p>',
    vendor: 'Webhook Receiver Dev',
    product_type: 'Shirts',
    created_at: shopTime(at - 30 * 86_400),
    handle: 'webhook-t-shirt',
    updated_at: shopTime(at),
    published_at: shopTime(at - 29 * 86_400),
    template_suffix: null,
    published_scope: 'global',
    tags: 'cotton, summer',
    status: 'active',
    variants: [
      {
        id: variantId,
        product_id: id,
        title: 'M',
        price: '49.99',
        sku: 'WH-TEE-M',
        position: 1,
        inventory_policy: 'deny',
        compare_at_price: null,
        option1: 'M',
        option2: null,
        option3: null,
        created_at: shopTime(at - 30 * 86_400),
        updated_at: shopTime(at),
        taxable: true,
        barcode: null,
        inventory_item_id: newId(ids),
        inventory_quantity: 17,
        admin_graphql_api_id: gid('ProductVariant', variantId),
      },
    ],
    options: [{ id: newId(ids), product_id: id, name: 'Size', position: 1, values: ['M'] }],
    images: [],
    image: null,
  };
}

type ResourceType = 'order' | 'product' | 'customer';

function entry(
  topic: string,
  description: string,
  resourceType: ResourceType,
  make: (ids: IdSource, id: number | string, at: number) => Json,
): CatalogueEntry {
  return {
    description,
    resourceType,
    build(input: EventFactoryInput = {}): CatalogueEvent {
      const ids = input.ids ?? randomIds;
      const at = epochSeconds(input.occurredAt ?? new Date());
      const resourceId = input.resourceId ?? String(newId(ids));
      const body = make(ids, numericIfPossible(resourceId), at);
      const eventId = newEventId(ids);
      mergeOverrides(body, input.overrides);
      return {
        provider: 'shopify',
        eventType: topic,
        eventId,
        resource: `${resourceType}/${resourceId}`,
        occurredAt: describeBody(body).occurredAt ?? new Date(at * 1000),
        body,
      };
    },
  };
}

/** The topic is in `X-Shopify-Topic`, never in the body; the time is the resource's own. */
function describeBody(body: unknown): { occurredAt?: Date } {
  if (!isPlainObject(body)) return {};
  const time = body.updated_at ?? body.created_at;
  if (typeof time !== 'string') return {};
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? {} : { occurredAt: new Date(parsed) };
}

/** `X-Shopify-Webhook-Id`: a UUID per delivery, the same on each retry of it. */
function newEventId(ids: IdSource): string {
  return ids.uuid();
}

/** A Shopify `orders/create` body (the test helpers' default Shopify event). */
export function shopifyOrderEvent(
  overrides: Record<string, unknown> = {},
  ids: IdSource = randomIds,
): Record<string, unknown> {
  const body = shopifyCatalogue.events['orders/create']!.build({ ids }).body;
  return { ...body, ...overrides };
}

/*
 * "Webhooks will now be retried a total of 8 times over 4 hours using an exponential backoff
 * schedule", with the original payload each time: Shopify developer changelog, "Updates to
 * webhook retry mechanism" (2024-09-10), https://shopify.dev/changelog/updates-to-webhook-retry-mechanism.
 * Shopify does not publish the intervals, so this models them: 1 minute, doubling, with the
 * eighth retry at 4 hours.
 */
const SHOPIFY_RETRY_DELAYS_SECONDS = (() => {
  const window = 4 * 3600;
  const delays = [60, 120, 240, 480, 960, 1920, 3840];
  return [...delays, window - delays.reduce((a, b) => a + b, 0)];
})();

export const shopifyCatalogue: ProviderCatalogue<'shopify'> = {
  ...fromDescriptor(shopify),
  events: {
    'orders/create': entry(
      'orders/create',
      'An order was placed (financial_status pending).',
      'order',
      (ids, id, at) => order(ids, id, at, 'created'),
    ),
    'orders/updated': entry(
      'orders/updated',
      'An order was changed (a note and a tag added).',
      'order',
      (ids, id, at) => order(ids, id, at, 'updated'),
    ),
    'orders/paid': entry(
      'orders/paid',
      "An order's payment was captured (financial_status paid).",
      'order',
      (ids, id, at) => order(ids, id, at, 'paid'),
    ),
    'products/update': entry(
      'products/update',
      'A product was changed; the body is the whole product with its variants.',
      'product',
      product,
    ),
    'customers/update': entry(
      'customers/update',
      "A customer's details or marketing consent changed.",
      'customer',
      (ids, id, at) => customer(ids, id, at, at - 90 * 86_400),
    ),
  },
  retrySchedule: {
    delaysSeconds: SHOPIFY_RETRY_DELAYS_SECONDS,
    source:
      'https://shopify.dev/changelog/updates-to-webhook-retry-mechanism (8 retries over 4 hours, exponential backoff; intervals modelled)',
  },
  wrongSecret: 'not_the_configured_shopify_client_secret',
  signatureHeader: 'x-shopify-hmac-sha256',
  describeBody,
  newEventId,
};
