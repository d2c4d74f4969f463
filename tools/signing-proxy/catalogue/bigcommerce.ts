import { createHash } from 'node:crypto';
import { bigcommerce } from '../../../services/providers/bigcommerce.js';
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
 * BigCommerce callbacks are light: scope, store_id, data (the resource type and id, plus the
 * status change for store/order/statusUpdated), hash (SHA-1 of the payload), created_at (epoch
 * seconds) and producer (`stores/<store_hash>`), per the Webhook Events reference,
 * https://developer.bigcommerce.com/docs/integrations/webhooks/events (bigcommerce/docs,
 * docs/integrations/webhooks/events/index.mdx). The message id travels in the `webhook-id` header.
 */

const STORE_ID = '1025646';
const PRODUCER = 'stores/k7x2qpbm4d';

export interface BigCommerceEvent {
  created_at: number;
  store_id: string;
  producer: string;
  scope: string;
  hash: string;
  data: {
    type: string;
    id: number;
    status?: { previous_status_id: number; new_status_id: number };
  };
}

export type BigCommerceEventOverrides = Partial<Omit<BigCommerceEvent, 'data'>> & {
  data?: Partial<BigCommerceEvent['data']>;
};

/** A `store/order/created` callback with a random order id (the test helpers' default event). */
export function bigcommerceEvent(
  overrides: BigCommerceEventOverrides = {},
  ids: IdSource = randomIds,
): BigCommerceEvent {
  const { data, ...topLevel } = overrides;
  const event: BigCommerceEvent = {
    created_at: epochSeconds(new Date()),
    store_id: STORE_ID,
    producer: PRODUCER,
    scope: 'store/order/created',
    hash: '',
    data: { type: 'order', id: ids.int(100, 1_000_000), ...data },
    ...topLevel,
  };
  if (!('hash' in overrides)) event.hash = payloadHash(event);
  return event;
}

/** BigCommerce's `hash` is a SHA-1 of the payload; computing one keeps it distinct per event. */
function payloadHash(event: object): string {
  return createHash('sha1')
    .update(JSON.stringify({ ...event, hash: undefined }))
    .digest('hex');
}

/** Order status ids (Orders API v2): 1 Pending … 11 Awaiting Fulfillment, 2 Shipped, 10 Completed. */
const ORDER_STATUS_IDS = [1, 7, 9, 11, 2, 10] as const;

function entry(
  scope: string,
  description: string,
  resourceType: 'order' | 'product',
  extraData?: (ids: IdSource) => Record<string, unknown>,
): CatalogueEntry {
  return {
    description,
    resourceType,
    build(input: EventFactoryInput = {}): CatalogueEvent {
      const ids = input.ids ?? randomIds;
      const createdAt = epochSeconds(input.occurredAt ?? new Date());
      const resourceId = input.resourceId ?? String(ids.int(100, 1_000_000));
      const body: Record<string, unknown> = {
        created_at: createdAt,
        store_id: STORE_ID,
        producer: PRODUCER,
        scope,
        hash: '',
        data: { type: resourceType, id: numericIfPossible(resourceId), ...extraData?.(ids) },
      };
      const eventId = newEventId(ids);
      mergeOverrides(body, input.overrides);
      if (!input.overrides || !('hash' in input.overrides)) body.hash = payloadHash(body);
      const described = describeBody(body);
      return {
        provider: 'bigcommerce',
        eventType: described.eventType ?? scope,
        eventId,
        resource: `${resourceType}/${resourceId}`,
        occurredAt: described.occurredAt ?? new Date(createdAt * 1000),
        body,
      };
    },
  };
}

function describeBody(body: unknown) {
  if (!isPlainObject(body)) return {};
  return {
    ...(typeof body.scope === 'string' ? { eventType: body.scope } : {}),
    ...(typeof body.created_at === 'number'
      ? { occurredAt: new Date(body.created_at * 1000) }
      : {}),
  };
}

/** Standard Webhooks message ids are opaque; `msg_` + hex mirrors the spec's examples. */
function newEventId(ids: IdSource): string {
  return `msg_${ids.token(32, '0123456789abcdef')}`;
}

/*
 * BigCommerce's callback retry mechanism: after a failed delivery it retries after 60, 180, 300,
 * 600, 900, 1800, 3600, 7200, 21600, 50400 and 86400 seconds, about 48 hours in all, then
 * deactivates the webhook. "Callback retry mechanism",
 * https://developer.bigcommerce.com/docs/integrations/webhooks/https-webhook-overview
 * (bigcommerce/docs, docs/integrations/webhooks/https-webhook-overview.mdx). The domain-wide
 * blocklisting it also describes (below 90% success in a two-minute window) is not modelled.
 */
const BIGCOMMERCE_RETRY_DELAYS_SECONDS = [
  60, 180, 300, 600, 900, 1800, 3600, 7200, 21_600, 50_400, 86_400,
] as const;

export const bigcommerceCatalogue: ProviderCatalogue<'bigcommerce'> = {
  ...fromDescriptor(bigcommerce),
  events: {
    'store/order/created': entry('store/order/created', 'An order was placed.', 'order'),
    'store/order/updated': entry(
      'store/order/updated',
      'An order was changed (the payload names the order only).',
      'order',
    ),
    'store/order/statusUpdated': entry(
      'store/order/statusUpdated',
      "An order's status changed; data.status holds the previous and new status ids.",
      'order',
      (ids) => {
        const index = ids.int(0, ORDER_STATUS_IDS.length - 2);
        return {
          status: {
            previous_status_id: ORDER_STATUS_IDS[index]!,
            new_status_id: ORDER_STATUS_IDS[index + 1]!,
          },
        };
      },
    ),
    'store/product/updated': entry(
      'store/product/updated',
      'A product was changed (the payload names the product only).',
      'product',
    ),
  },
  retrySchedule: {
    delaysSeconds: BIGCOMMERCE_RETRY_DELAYS_SECONDS,
    source:
      'https://developer.bigcommerce.com/docs/integrations/webhooks/https-webhook-overview#callback-retry-mechanism',
  },
  wrongSecret: 'not_the_configured_client_secret',
  signatureHeader: 'webhook-signature',
  describeBody,
  newEventId,
};
