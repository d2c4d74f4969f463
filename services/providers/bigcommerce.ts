import { randomUUID } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
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
      if (!/(?:^| )v1,[^ ,]/.test(signatureHeader)) {
        throw signatureError(
          'Malformed webhook-signature header: expected space-separated "v1,<base64>" entries. ' +
            'Forward the header exactly as BigCommerce sent it.',
          'malformed_header',
        );
      }
      const signedAt = Number(timestampHeader);

      /*
       * The official library's Webhook#verify checks the signature: it recomputes it, compares it in
       * constant time against every `v1` entry, and bounds the timestamp against the wall clock
       * (Date.now(), 5 min both ways), a clock it does not let us inject. All we add is the same
       * bound against the injected `receivedAt`, checked first. In production receivedAt is the
       * current time, so the two bounds agree; the library's wall-clock rejection (mapped to the
       * same reasons) surfaces only when receivedAt is far from Date.now(), e.g. a test or replay
       * that injects a clock without also setting the system time.
       */
      const receivedAtSeconds = Math.floor(receivedAt.getTime() / 1000);
      const skew = receivedAtSeconds - signedAt;
      const timing = {
        signedAt,
        receivedAt: receivedAtSeconds,
        toleranceSeconds: TOLERANCE_SECONDS,
      };
      if (skew > TOLERANCE_SECONDS) {
        throw signatureError(
          `The webhook-timestamp is ${skew} s old, beyond the ${TOLERANCE_SECONDS} s tolerance. ` +
            'This is a replay or a long-delayed delivery; check the clocks and any queue in between.',
          'timestamp_too_old',
          timing,
        );
      }
      if (-skew > TOLERANCE_SECONDS) {
        throw signatureError(
          `The webhook-timestamp is ${-skew} s in the future, beyond the ${TOLERANCE_SECONDS} s ` +
            'tolerance. Check the clocks of the sender and this receiver.',
          'timestamp_in_future',
          timing,
        );
      }

      const signed = {
        [ID_HEADER]: msgId,
        [TIMESTAMP_HEADER]: timestampHeader,
        [SIGNATURE_HEADER]: signatureHeader,
      };
      let unexpected: unknown;
      for (const webhook of webhooks) {
        const outcome = libraryVerify(webhook, rawBody, signed);
        if (outcome === 'verified') return toVerifiedEvent(msgId, rawBody);
        if (outcome === 'no_match') continue;
        if (outcome === 'too_old' || outcome === 'too_new') {
          // Within tolerance of receivedAt (checked above) but not of this machine's clock.
          const tooOld = outcome === 'too_old';
          throw signatureError(
            `The webhook-timestamp is more than ${TOLERANCE_SECONDS} s ` +
              `${tooOld ? 'older than' : 'ahead of'} this machine's clock, although it is within ` +
              'tolerance of the time of receipt. Is the time of receipt taken from the current clock?',
            tooOld ? 'timestamp_too_old' : 'timestamp_in_future',
            { ...timing, clock: 'system' },
          );
        }
        unexpected ??= outcome.error;
      }
      throw signatureError(
        'No signature in the webhook-signature header matches any configured BigCommerce ' +
          'client secret. Are you passing the raw request body, byte for byte, and is ' +
          'BIGCOMMERCE_CLIENT_SECRET the client secret of the app that registered this webhook?',
        'no_matching_signature',
        {},
        unexpected,
      );
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

type LibraryOutcome = 'verified' | 'no_match' | 'too_old' | 'too_new' | { readonly error: unknown };

/**
 * Runs the library's Webhook#verify and classifies how it ended, by its WebhookVerificationError
 * messages (standardwebhooks 1.1.x, node_modules/standardwebhooks/dist/index.js). jsonParse is off
 * so that a verified body that is not JSON reaches toVerifiedEvent's InvalidEventError instead of
 * surfacing as the library's SyntaxError.
 */
function libraryVerify(
  webhook: Webhook,
  rawBody: string,
  headers: Record<string, string>,
): LibraryOutcome {
  try {
    webhook.verify(rawBody, headers, { jsonParse: false });
    return 'verified';
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      if (error.message === 'No matching signature found') return 'no_match';
      if (error.message === 'Message timestamp too old') return 'too_old';
      if (error.message === 'Message timestamp too new') return 'too_new';
    }
    return { error };
  }
}

function signatureError(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
  cause?: unknown,
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    ...(cause === undefined ? {} : { cause }),
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
