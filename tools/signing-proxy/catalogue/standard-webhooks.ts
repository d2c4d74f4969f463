import { standardWebhooks } from '../../../services/providers/standard-webhooks.js';
import { type IdSource, randomIds } from '../ids.js';
import { isPlainObject, mergeOverrides } from './merge-overrides.js';
import {
  type CatalogueEntry,
  type CatalogueEvent,
  type EventFactoryInput,
  fromDescriptor,
  type ProviderCatalogue,
} from './provider-catalogue.js';

/*
 * A generic Standard Webhooks sender: the spec's recommended envelope
 * `{ "type": "invoice.paid", "timestamp": "<when the event occurred>", "data": {…} }` with full
 * payloads, per "Payload structure" in the spec (spec/standard-webhooks.md in
 * standard-webhooks/standard-webhooks, https://www.standardwebhooks.com). The message id travels
 * in `webhook-id` (the event id handed to `Provider.sign`), the same on every retry.
 */

type Json = Record<string, unknown>;

function isoMillis(date: Date): string {
  return date.toISOString();
}

function invoice(ids: IdSource, id: string, at: Date): Json {
  return {
    id,
    object: 'invoice',
    number: `INV-${ids.int(1000, 9999)}`,
    customer_id: `user_${ids.token(24)}`,
    status: 'paid',
    currency: 'usd',
    amount_due: 2000,
    amount_paid: 2000,
    lines: [{ description: 'Pro plan (monthly)', quantity: 1, amount: 2000 }],
    created_at: isoMillis(new Date(at.getTime() - 3_600_000)),
    paid_at: isoMillis(at),
  };
}

function userRecord(id: string, at: Date, created: boolean): Json {
  return {
    id,
    object: 'user',
    email: created ? 'jenny.rosen@example.com' : 'jenny@example.com',
    full_name: 'Jenny Rosen',
    locale: 'en-CA',
    created_at: isoMillis(created ? at : new Date(at.getTime() - 30 * 86_400_000)),
    updated_at: isoMillis(at),
  };
}

function entry(
  type: string,
  description: string,
  resourceType: 'invoice' | 'user',
  make: (ids: IdSource, id: string, at: Date) => Json,
): CatalogueEntry {
  return {
    description,
    resourceType,
    build(input: EventFactoryInput = {}): CatalogueEvent {
      const ids = input.ids ?? randomIds;
      const at = input.occurredAt ?? new Date();
      const resourceId =
        input.resourceId ?? `${resourceType === 'invoice' ? 'inv' : 'user'}_${ids.token(24)}`;
      const body: Json = { type, timestamp: isoMillis(at), data: make(ids, resourceId, at) };
      const eventId = newEventId(ids);
      mergeOverrides(body, input.overrides);
      const described = describeBody(body);
      return {
        provider: 'standard-webhooks',
        eventType: described.eventType ?? type,
        eventId,
        resource: `${resourceType}/${resourceId}`,
        occurredAt: described.occurredAt ?? at,
        body,
      };
    },
  };
}

function describeBody(body: unknown): { eventType?: string; occurredAt?: Date } {
  if (!isPlainObject(body)) return {};
  const time = typeof body.timestamp === 'string' ? Date.parse(body.timestamp) : Number.NaN;
  return {
    ...(typeof body.type === 'string' ? { eventType: body.type } : {}),
    ...(Number.isNaN(time) ? {} : { occurredAt: new Date(time) }),
  };
}

/** `webhook-id`: opaque; `msg_` and a 27-character KSUID-like token, as in the spec's examples. */
function newEventId(ids: IdSource): string {
  return `msg_${ids.token(27)}`;
}

/** A Standard Webhooks `invoice.paid` body (the test helpers' default Standard Webhooks event). */
export function standardWebhooksEvent(
  overrides: Record<string, unknown> = {},
  ids: IdSource = randomIds,
): Record<string, unknown> {
  const body = standardWebhooksCatalogue.events['invoice.paid']!.build({ ids }).body;
  return { ...body, ...overrides };
}

/*
 * The spec's example retry schedule ("Deliverability and reliability"): immediately, then after
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (75 h 35 min 5 s in all). The jitter
 * it also recommends is not modelled.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#deliverability-and-reliability
 */
const STANDARD_WEBHOOKS_RETRY_DELAYS_SECONDS = [
  5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400,
] as const;

export const standardWebhooksCatalogue: ProviderCatalogue<'standard-webhooks'> = {
  ...fromDescriptor(standardWebhooks),
  events: {
    'invoice.paid': entry('invoice.paid', 'An invoice was paid in full.', 'invoice', invoice),
    'user.created': entry('user.created', 'A user signed up.', 'user', (_ids, id, at) =>
      userRecord(id, at, true),
    ),
    'user.updated': entry(
      'user.updated',
      "A user's email changed; data is the whole user.",
      'user',
      (_ids, id, at) => userRecord(id, at, false),
    ),
  },
  retrySchedule: {
    delaysSeconds: STANDARD_WEBHOOKS_RETRY_DELAYS_SECONDS,
    source:
      'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#deliverability-and-reliability (example retry schedule)',
  },
  // `whsec_` + base64 of 32 other bytes: well-formed, not the configured one.
  wrongSecret: `whsec_${Buffer.from('not-the-configured-standard-key!').toString('base64')}`,
  signatureHeader: 'webhook-signature',
  describeBody,
  newEventId,
};
