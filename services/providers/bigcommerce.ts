import { Webhook } from 'standardwebhooks';
import { ConfigurationError, InvalidEventError } from '../shared/errors.js';
import type {
  ProviderDescriptor,
  SignInput,
  SyncProvider,
  VerifiedEvent,
  VerifyInput,
} from './provider.js';
import { bodyText } from './raw-body.js';
import { createStandardWebhooksScheme } from './standard-webhooks-scheme.js';

/*
 * BigCommerce signs callbacks with the Standard Webhooks scheme (standard-webhooks-scheme.ts):
 * `webhook-id`, `webhook-timestamp` (epoch seconds) and `webhook-signature` (space-separated
 * `v1,<base64 HMAC-SHA256>` entries over `{id}.{timestamp}.{body}`), keyed with the app's client
 * secret, which a Standard Webhooks library takes base64-encoded.
 *   Signature scheme: https://www.skills.sh/hookdeck/webhook-skills/bigcommerce-webhooks
 *     (Hookdeck's BigCommerce guide; BigCommerce's own pages in our reference corpus did not show
 *     the signature headers, so confirm against the live docs if verification ever fails).
 *   Payload fields (created_at, store_id, producer, scope, hash, data.type, data.id):
 *     https://developer.bigcommerce.com/docs/integrations/webhooks
 *     (seen as https://developer-beta.bigcommerce.com/docs/integrations/webhooks/http) and the
 *     webhook_callback_base schema in BigCommerce's OpenAPI (created_at: integer epoch seconds).
 */

export interface BigCommerceProviderOptions {
  /** The app's OAuth client secrets, current first: verification tries each in order. */
  readonly clientSecrets: readonly string[];
}

export function createBigCommerceProvider(opts: BigCommerceProviderOptions): SyncProvider {
  if (opts.clientSecrets.length === 0 || opts.clientSecrets.some((s) => s.trim() === '')) {
    throw new ConfigurationError(
      'BigCommerce needs at least one non-blank client secret. Set BIGCOMMERCE_CLIENT_SECRET ' +
        "to the app's client secret from the BigCommerce Developer Portal.",
      { context: { provider: 'bigcommerce', secretCount: opts.clientSecrets.length } },
    );
  }
  const scheme = createStandardWebhooksScheme({
    provider: 'bigcommerce',
    // The library base64-decodes its key, so hand it the base64 of the raw secret: the HMAC key is
    // then the secret's UTF-8 bytes, which is what BigCommerce signs with.
    webhooks: opts.clientSecrets.map(
      (secret) => new Webhook(Buffer.from(secret, 'utf8').toString('base64')),
    ),
    sender: 'BigCommerce',
    from: 'BigCommerce',
    noMatchMessage:
      'No signature in the webhook-signature header matches any configured BigCommerce ' +
      'client secret. Are you passing the raw request body, byte for byte, and is ' +
      'BIGCOMMERCE_CLIENT_SECRET the client secret of the app that registered this webhook?',
  });

  return {
    name: 'bigcommerce',
    keptHeaders: [...scheme.headers, 'user-agent', 'content-type'],

    verify(input: VerifyInput): VerifiedEvent {
      const { msgId } = scheme.verify(input);
      return toVerifiedEvent(msgId, bodyText(input.rawBody, 'bigcommerce'));
    },

    sign(input: SignInput): Record<string, string> {
      return { ...scheme.sign(input), 'content-type': 'application/json' };
    },
  };
}

function toVerifiedEvent(msgId: string, rawBody: string): VerifiedEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch (err) {
    throw new InvalidEventError(
      'The BigCommerce signature is valid but the body is not JSON. Are you passing the raw ' +
        'request body, decoded as UTF-8?',
      { cause: err, context: { provider: 'bigcommerce' } },
    );
  }
  if (!isRecord(payload)) {
    throw invalidEvent('The verified BigCommerce body is not a JSON object.');
  }
  const { scope, created_at: createdAt } = payload;
  if (typeof scope !== 'string' || scope === '') {
    throw invalidEvent('The verified BigCommerce body has no "scope" (e.g. store/order/created).');
  }
  const occurredAt = epochSecondsToIso(createdAt);
  if (occurredAt === undefined) {
    throw invalidEvent(
      'The verified BigCommerce body has no valid "created_at" (epoch seconds, a non-negative ' +
        'integer).',
    );
  }
  // webhook-id stays the same across BigCommerce's retries of one message, so it deduplicates.
  return { eventId: msgId, eventType: scope, occurredAt, payload };
}

function invalidEvent(message: string): InvalidEventError {
  return new InvalidEventError(`${message} Is this a BigCommerce webhook callback?`, {
    context: { provider: 'bigcommerce' },
  });
}

function epochSecondsToIso(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return undefined;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bigcommerce sender: see ProviderDescriptor. */
export const bigcommerce: ProviderDescriptor<'bigcommerce', SyncProvider> = {
  name: 'bigcommerce',
  secret: {
    variable: 'BIGCOMMERCE_CLIENT_SECRET',
    parameterName: '/webhook-receiver/bigcommerce-client-secret',
    localDefault: 'local_bigcommerce_client_secret',
    optional: false,
  },
  create: (secrets) => createBigCommerceProvider({ clientSecrets: secrets }),
  eventIdOf: (_rawBody, headers) => headers['webhook-id'],
};
