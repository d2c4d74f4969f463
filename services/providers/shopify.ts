import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../shared/errors.js';
import { isoDateTime } from './event-time.js';
import type {
  Headers,
  ProviderDescriptor,
  SignInput,
  SyncProvider,
  VerifiedEvent,
  VerifyInput,
} from './provider.js';
import { bodyBytes } from './raw-body.js';

/*
 * Shopify signs each webhook with `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`,
 * keyed with the app's client secret.
 *   https://shopify.dev/docs/apps/build/webhooks (headers, with an example of each)
 *   https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
 * The only official Node implementation lives inside the full @shopify/shopify-api
 * (lib/utils/hmac-validator.ts in Shopify/shopify-app-js), far too heavy for one HMAC, so this is
 * node:crypto with a constant-time comparison, proven against that library's own test vector
 * (tests/unit/providers/shopify.test.ts).
 *
 * Replay: Shopify signs only the body: no timestamp and none of its headers. A captured delivery
 * verifies forever, so there is no tolerance window to enforce, and `X-Shopify-Triggered-At`
 * (unsigned, and legitimately old on Shopify's retries over up to 48 hours) is not checked against
 * the clock. Replay protection rests on the webhook id: a replay under the same
 * `X-Shopify-Webhook-Id` is a duplicate and never processed twice.
 */

const HMAC_HEADER = 'x-shopify-hmac-sha256';
const TOPIC_HEADER = 'x-shopify-topic';
/** One id per delivery to one subscription; the same on each of Shopify's retries of it. */
const WEBHOOK_ID_HEADER = 'x-shopify-webhook-id';
/** One id per event; shared by the deliveries to several subscriptions to the same topic. */
const EVENT_ID_HEADER = 'x-shopify-event-id';
const SHOP_DOMAIN_HEADER = 'x-shopify-shop-domain';
const API_VERSION_HEADER = 'x-shopify-api-version';
const TRIGGERED_AT_HEADER = 'x-shopify-triggered-at';
/** Shopify's webhook delivery service. */
const USER_AGENT = 'Shopify-Captain-Hook';
/** What a base64-encoded SHA-256 digest looks like: 32 bytes, 44 characters. */
const HMAC_FORMAT = /^[A-Za-z0-9+/]{43}=$/;

export interface ShopifyProviderOptions {
  /** The app's client secrets (API secret keys), current first: verification tries each. */
  readonly clientSecrets: readonly string[];
  /** What `sign` sends as `x-shopify-shop-domain`. */
  readonly shopDomain?: string;
  /** What `sign` sends as `x-shopify-api-version`. */
  readonly apiVersion?: string;
}

export function createShopifyProvider(opts: ShopifyProviderOptions): SyncProvider {
  const secrets = [...opts.clientSecrets];
  if (secrets.length === 0 || secrets.some((s) => s.trim() === '')) {
    throw new ConfigurationError(
      'Shopify needs at least one non-blank client secret. Set SHOPIFY_CLIENT_SECRET to the ' +
        "app's client secret from the Shopify Partner Dashboard or the Dev Dashboard.",
      { context: { provider: 'shopify', secretCount: secrets.length } },
    );
  }
  const shopDomain = opts.shopDomain ?? 'webhook-receiver-dev.myshopify.com';
  const apiVersion = opts.apiVersion ?? '2026-01';

  return {
    name: 'shopify',
    keptHeaders: [
      HMAC_HEADER,
      TOPIC_HEADER,
      WEBHOOK_ID_HEADER,
      EVENT_ID_HEADER,
      SHOP_DOMAIN_HEADER,
      API_VERSION_HEADER,
      TRIGGERED_AT_HEADER,
      'user-agent',
      'content-type',
    ],

    verify({ rawBody, headers, receivedAt }: VerifyInput): VerifiedEvent {
      const hmac = headers[HMAC_HEADER];
      if (hmac === undefined || hmac === '') {
        throw signatureError(
          'Missing x-shopify-hmac-sha256 header. Is this request from Shopify, and does your ' +
            'proxy forward all headers?',
          'missing_header',
          { missing: [HMAC_HEADER] },
        );
      }
      if (!HMAC_FORMAT.test(hmac)) {
        throw signatureError(
          'Malformed x-shopify-hmac-sha256 header: expected the base64 of a SHA-256 HMAC (44 ' +
            'characters). Forward the header exactly as Shopify sent it.',
          'malformed_header',
        );
      }
      const received = Buffer.from(hmac, 'base64');
      const matches = secrets.some((secret) => timingSafeEqual(digest(secret, rawBody), received));
      if (!matches) {
        throw signatureError(
          'The x-shopify-hmac-sha256 matches no configured Shopify client secret. Are you ' +
            'passing the raw request body, byte for byte, and is SHOPIFY_CLIENT_SECRET the ' +
            'client secret of the app that subscribed to this webhook? (Webhooks created in the ' +
            "store admin's notification settings are signed with the key shown there instead.)",
          'no_matching_signature',
        );
      }
      return toVerifiedEvent(headers, bodyBytes(rawBody).toString('utf8'), receivedAt);
    },

    sign({ rawBody, timestamp, eventId, eventType }: SignInput): Record<string, string> {
      if (eventType === undefined || !TOPIC.test(eventType)) {
        throw new InvalidEventError(
          'Shopify sends the topic in the x-shopify-topic header, so signing needs one: pass ' +
            'eventType, e.g. "orders/create" or "products/update".',
          { context: { provider: 'shopify' } },
        );
      }
      const webhookId = eventId ?? randomUUID();
      return {
        [HMAC_HEADER]: digest(secrets[0]!, rawBody).toString('base64'),
        [TOPIC_HEADER]: eventType,
        [SHOP_DOMAIN_HEADER]: shopDomain,
        [API_VERSION_HEADER]: apiVersion,
        [WEBHOOK_ID_HEADER]: webhookId,
        [TRIGGERED_AT_HEADER]: timestamp.toISOString(),
        // With one subscription per topic, one event is one delivery: derive its event id from
        // the webhook id so that re-signing the same delivery (a retry) keeps both the same.
        [EVENT_ID_HEADER]: uuidFrom(`shopify-event:${webhookId}`),
        'user-agent': USER_AGENT,
        'content-type': 'application/json',
      };
    },
  };
}

/** Shopify topics: `orders/create`, `app/uninstalled`, `customers/data_request`, … */
const TOPIC = /^[a-z0-9_]+(?:\/[a-z0-9_]+)+$/;
/** Webhook and event ids are UUIDs; any opaque token, never control characters (length: limits.ts). */
const OPAQUE_ID = /^[\x21-\x7e]+$/;

function digest(secret: string, rawBody: string | Uint8Array): Buffer {
  // Over the bytes as received: Shopify has no official verification library, and an HMAC of
  // bytes needs no decoding, so any body verifies exactly as signed.
  return createHmac('sha256', secret).update(bodyBytes(rawBody)).digest();
}

function toVerifiedEvent(headers: Headers, rawBody: string, receivedAt: Date): VerifiedEvent {
  /*
   * The webhook id is what Shopify keeps across its retries of one delivery, so it deduplicates.
   * Shopify's own guide dedups on the event id instead, which would also merge the deliveries of
   * one event to two subscriptions of this endpoint; one subscription per topic is the normal
   * case, and there the two are one to one. The event id is the fallback when no webhook id is
   * sent.
   */
  const eventId = headers[WEBHOOK_ID_HEADER] || headers[EVENT_ID_HEADER];
  const topic = headers[TOPIC_HEADER];
  if (!eventId || !topic) {
    const missing = [
      ...(eventId ? [] : [`${WEBHOOK_ID_HEADER} (or ${EVENT_ID_HEADER})`]),
      ...(topic ? [] : [TOPIC_HEADER]),
    ];
    throw new InvalidEventError(
      `The Shopify signature is valid but the ${missing.join(' and ')} ` +
        `header${missing.length > 1 ? 's are' : ' is'} missing. Does your proxy forward all headers?`,
      { context: { provider: 'shopify', missing } },
    );
  }
  if (!OPAQUE_ID.test(eventId)) {
    throw invalidEvent('The x-shopify-webhook-id header is not a webhook id (a UUID).');
  }
  if (!TOPIC.test(topic)) {
    throw invalidEvent('The x-shopify-topic header is not a topic (e.g. orders/create).');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch (err) {
    throw new InvalidEventError(
      'The Shopify signature is valid but the body is not JSON. Subscribe with the JSON format, ' +
        'and pass the raw request body, decoded as UTF-8.',
      { cause: err, context: { provider: 'shopify' } },
    );
  }
  if (!isRecord(payload)) {
    throw invalidEvent('The verified Shopify body is not a JSON object.');
  }
  /*
   * When the event happened: `X-Shopify-Triggered-At` (when Shopify triggered the webhook, the same
   * on retries), else the resource's own `updated_at` / `created_at` in the body, else the time of
   * receipt. The header is not covered by the HMAC; an unreadable one counts as absent.
   */
  const occurredAt =
    isoDateTime(headers[TRIGGERED_AT_HEADER]) ??
    isoDateTime(payload.updated_at) ??
    isoDateTime(payload.created_at) ??
    receivedAt.toISOString();
  return { eventId, eventType: topic, occurredAt, payload };
}

/** A UUID-shaped (version 5 style) id derived from `name`, for ids that must be reproducible. */
function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function signatureError(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    context: { provider: 'shopify', reason, ...context },
  });
}

function invalidEvent(message: string): InvalidEventError {
  return new InvalidEventError(`${message} Is this a Shopify webhook?`, {
    context: { provider: 'shopify' },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The shopify sender: see ProviderDescriptor. */
export const shopify: ProviderDescriptor<'shopify', SyncProvider> = {
  name: 'shopify',
  secret: {
    variable: 'SHOPIFY_CLIENT_SECRET',
    localDefault: 'shopify_local_client_secret',
    optional: true,
  },
  create: (secrets) => createShopifyProvider({ clientSecrets: secrets }),
  eventIdOf: (_rawBody, headers) => headers['x-shopify-webhook-id'],
};
