import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../shared/errors.js';
import type { Provider, SignInput, VerifiedEvent, VerifyInput } from './provider.js';

/*
 * BigCommerce signs callbacks with the Standard Webhooks scheme: `webhook-id`, `webhook-timestamp`
 * (epoch seconds) and `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `{id}.{timestamp}.{body}`), keyed with the app's client secret, which a Standard Webhooks
 * library takes base64-encoded.
 *   Signature scheme: https://www.skills.sh/hookdeck/webhook-skills/bigcommerce-webhooks
 *     (Hookdeck's BigCommerce guide; BigCommerce's own pages in our reference corpus did not show
 *     the signature headers, so confirm against the live docs if verification ever fails).
 *   Payload fields (created_at, store_id, producer, scope, hash, data.type, data.id):
 *     https://developer.bigcommerce.com/docs/integrations/webhooks
 *     (seen as https://developer-beta.bigcommerce.com/docs/integrations/webhooks/http) and the
 *     webhook_callback_base schema in BigCommerce's OpenAPI (created_at: integer epoch seconds).
 */

const ID_HEADER = 'webhook-id';
const TIMESTAMP_HEADER = 'webhook-timestamp';
const SIGNATURE_HEADER = 'webhook-signature';
/** Same window as the standardwebhooks library's own (5 minutes), applied both ways. */
const TOLERANCE_SECONDS = 300;

export interface BigCommerceProviderOptions {
  /** The app's OAuth client secrets, current first: verification tries each in order. */
  readonly clientSecrets: readonly string[];
}

export function createBigCommerceProvider(opts: BigCommerceProviderOptions): Provider {
  if (opts.clientSecrets.length === 0 || opts.clientSecrets.some((s) => s.trim() === '')) {
    throw new ConfigurationError(
      'BigCommerce needs at least one non-blank client secret. Set BIGCOMMERCE_CLIENT_SECRET ' +
        "to the app's client secret from the BigCommerce Developer Portal.",
      { context: { provider: 'bigcommerce', secretCount: opts.clientSecrets.length } },
    );
  }
  // The library base64-decodes its key, so hand it the base64 of the raw secret: the HMAC key is
  // then the secret's UTF-8 bytes, which is what BigCommerce signs with.
  const webhooks = opts.clientSecrets.map(
    (secret) => new Webhook(Buffer.from(secret, 'utf8').toString('base64')),
  );

  return {
    name: 'bigcommerce',
    keptHeaders: [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, 'user-agent', 'content-type'],

    verify({ rawBody, headers, receivedAt }: VerifyInput): VerifiedEvent {
      const msgId = headers[ID_HEADER];
      const timestampHeader = headers[TIMESTAMP_HEADER];
      const signatureHeader = headers[SIGNATURE_HEADER];
      const missing = [
        [ID_HEADER, msgId],
        [TIMESTAMP_HEADER, timestampHeader],
        [SIGNATURE_HEADER, signatureHeader],
      ]
        .filter(([, value]) => value === undefined || value === '')
        .map(([name]) => name);
      if (!msgId || !timestampHeader || !signatureHeader) {
        throw signatureError(
          `Missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}. Is this request ` +
            'from BigCommerce, and does your proxy forward all headers?',
          'missing_header',
          { missing },
        );
      }
      if (!/^\d{1,12}$/.test(timestampHeader)) {
        throw signatureError(
          'Malformed webhook-timestamp header: expected epoch seconds. Forward the header exactly ' +
            'as BigCommerce sent it.',
          'malformed_header',
        );
      }
      const signedAt = Number(timestampHeader);

      /*
       * Why not Webhook#verify: it checks the timestamp against the wall clock (Date.now(), 5 min
       * both ways) and takes no clock, so it would ignore `receivedAt` and reject every test or
       * replay run on an injected clock. Instead the library's own `sign` computes the expected
       * signature (same key handling, signed content and encoding as `verify`), we compare it in
       * constant time against every `v1` entry, as `verify` does, and bound the timestamp against
       * `receivedAt` ourselves. A unit test pins this to the library's `verify`.
       */
      const offered = signatureHeader
        .split(' ')
        .map((entry) => entry.split(','))
        .filter(([version, sig]) => version === 'v1' && sig !== undefined && sig !== '')
        .map(([, sig]) => Buffer.from(sig!, 'utf8'));
      if (offered.length === 0) {
        throw signatureError(
          'Malformed webhook-signature header: expected space-separated "v1,<base64>" entries. ' +
            'Forward the header exactly as BigCommerce sent it.',
          'malformed_header',
        );
      }
      const signedDate = new Date(signedAt * 1000);
      const matched = webhooks.some((wh) => {
        const expected = Buffer.from(wh.sign(msgId, signedDate, rawBody).split(',')[1]!, 'utf8');
        return offered.some(
          (sig) => sig.length === expected.length && timingSafeEqual(sig, expected),
        );
      });
      if (!matched) {
        throw signatureError(
          'No signature in the webhook-signature header matches any configured BigCommerce ' +
            'client secret. Are you passing the raw request body, byte for byte, and is ' +
            'BIGCOMMERCE_CLIENT_SECRET the client secret of the app that registered this webhook?',
          'no_matching_signature',
        );
      }

      const receivedAtSeconds = Math.floor(receivedAt.getTime() / 1000);
      const skew = receivedAtSeconds - signedAt;
      if (skew > TOLERANCE_SECONDS) {
        throw signatureError(
          `The webhook-timestamp is ${skew} s old, beyond the ${TOLERANCE_SECONDS} s tolerance. ` +
            'This is a replay or a long-delayed delivery; check the clocks and any queue in between.',
          'timestamp_too_old',
          { signedAt, receivedAt: receivedAtSeconds, toleranceSeconds: TOLERANCE_SECONDS },
        );
      }
      if (-skew > TOLERANCE_SECONDS) {
        throw signatureError(
          `The webhook-timestamp is ${-skew} s in the future, beyond the ${TOLERANCE_SECONDS} s ` +
            'tolerance. Check the clocks of the sender and this receiver.',
          'timestamp_in_future',
          { signedAt, receivedAt: receivedAtSeconds, toleranceSeconds: TOLERANCE_SECONDS },
        );
      }

      return toVerifiedEvent(msgId, rawBody);
    },

    sign({ rawBody, timestamp, eventId }: SignInput): Record<string, string> {
      // Standard Webhooks ids are opaque; `msg_` + hex mirrors the spec's examples and has no '.',
      // which separates the signed fields.
      const msgId = eventId ?? `msg_${randomUUID().replaceAll('-', '')}`;
      return {
        [ID_HEADER]: msgId,
        [TIMESTAMP_HEADER]: String(Math.floor(timestamp.getTime() / 1000)),
        [SIGNATURE_HEADER]: webhooks[0]!.sign(msgId, timestamp, rawBody),
        'content-type': 'application/json',
      };
    },
  };
}

function signatureError(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    context: { provider: 'bigcommerce', reason, ...context },
  });
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
