import { randomUUID } from 'node:crypto';
import { type Webhook, WebhookVerificationError } from 'standardwebhooks';
import { SignatureVerificationError } from '../shared/errors.js';
import type { Headers, SignInput, VerifyInput } from './provider.js';
import { bodyText } from './raw-body.js';

/*
 * The Standard Webhooks signature scheme (https://www.standardwebhooks.com, spec/standard-webhooks.md
 * in standard-webhooks/standard-webhooks): `webhook-id`, `webhook-timestamp` (epoch seconds) and
 * `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `{id}.{timestamp}.{body}`), checked by the official `standardwebhooks` library. Shared by every
 * provider that uses it (BigCommerce, any Standard Webhooks sender); they differ only in how the
 * key is derived from the configured secret, in what their messages call the sender and the
 * setting, and in the body.
 */

export const ID_HEADER = 'webhook-id';
export const TIMESTAMP_HEADER = 'webhook-timestamp';
export const SIGNATURE_HEADER = 'webhook-signature';
/** Same window as the standardwebhooks library's own (5 minutes), applied both ways. */
export const TOLERANCE_SECONDS = 300;

export interface StandardWebhooksSchemeOptions {
  /** The provider's name, put into every error's context. */
  readonly provider: string;
  /** One library instance per configured secret, current first: verification tries each. */
  readonly webhooks: readonly Webhook[];
  /** Who sends these, for messages: "BigCommerce", "the sender". */
  readonly sender: string;
  /** Completes "Is this request from …?": "BigCommerce", "a Standard Webhooks sender". */
  readonly from: string;
  /** The whole message for a signature that matches no secret; it names the secret's setting. */
  readonly noMatchMessage: string;
}

export interface SignedMessage {
  /** The `webhook-id`: the sender's message id, the same on every retry of one message. */
  readonly msgId: string;
  /** The signed `webhook-timestamp`, epoch seconds. */
  readonly signedAt: number;
}

export interface StandardWebhooksScheme {
  /** The scheme's headers, worth keeping with the stored webhook. */
  readonly headers: readonly string[];
  /**
   * Checks the headers, the timestamp against `receivedAt` and the signature.
   * @throws SignatureVerificationError with `context.reason` saying which check failed.
   */
  verify(input: VerifyInput): SignedMessage;
  /** The three signature headers, signed with the first (current) secret. */
  sign(input: SignInput): Record<string, string>;
}

export function createStandardWebhooksScheme(
  opts: StandardWebhooksSchemeOptions,
): StandardWebhooksScheme {
  const { provider, webhooks, sender, from, noMatchMessage } = opts;
  const signatureError = (
    message: string,
    reason: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ): SignatureVerificationError =>
    new SignatureVerificationError(message, {
      ...(cause === undefined ? {} : { cause }),
      context: { provider, reason, ...context },
    });

  return {
    headers: [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER],

    verify({ rawBody: body, headers, receivedAt }: VerifyInput): SignedMessage {
      const { msgId, timestampHeader, signatureHeader, missing } = readHeaders(headers);
      if (!msgId || !timestampHeader || !signatureHeader) {
        throw signatureError(
          `Missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}. Is this request ` +
            `from ${from}, and does your proxy forward all headers?`,
          'missing_header',
          { missing },
        );
      }
      if (!/^\d{1,12}$/.test(timestampHeader)) {
        throw signatureError(
          'Malformed webhook-timestamp header: expected epoch seconds. Forward the header exactly ' +
            `as ${sender} sent it.`,
          'malformed_header',
        );
      }
      if (!/(?:^| )v1,[^ ,]/.test(signatureHeader)) {
        throw signatureError(
          'Malformed webhook-signature header: expected space-separated "v1,<base64>" entries. ' +
            `Forward the header exactly as ${sender} sent it.`,
          'malformed_header',
        );
      }
      const signedAt = Number(timestampHeader);
      const rawBody = bodyText(body, provider);

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
        if (outcome === 'verified') return { msgId, signedAt };
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
      throw signatureError(noMatchMessage, 'no_matching_signature', {}, unexpected);
    },

    sign({ rawBody, timestamp, eventId }: SignInput): Record<string, string> {
      // Message ids are opaque; `msg_` + hex mirrors the spec's examples and has no '.', which
      // separates the signed fields.
      const msgId = eventId ?? `msg_${randomUUID().replaceAll('-', '')}`;
      return {
        [ID_HEADER]: msgId,
        [TIMESTAMP_HEADER]: String(Math.floor(timestamp.getTime() / 1000)),
        [SIGNATURE_HEADER]: webhooks[0]!.sign(msgId, timestamp, rawBody),
      };
    },
  };
}

function readHeaders(headers: Headers) {
  const msgId = headers[ID_HEADER];
  const timestampHeader = headers[TIMESTAMP_HEADER];
  const signatureHeader = headers[SIGNATURE_HEADER];
  const missing = [
    [ID_HEADER, msgId],
    [TIMESTAMP_HEADER, timestampHeader],
    [SIGNATURE_HEADER, signatureHeader],
  ]
    .filter(([, value]) => value === undefined || value === '')
    .map(([name]) => name as string);
  return { msgId, timestampHeader, signatureHeader, missing };
}

type LibraryOutcome = 'verified' | 'no_match' | 'too_old' | 'too_new' | { readonly error: unknown };

/**
 * Runs the library's Webhook#verify and classifies how it ended, by its WebhookVerificationError
 * messages (standardwebhooks 1.1.x, node_modules/standardwebhooks/dist/index.js). jsonParse is off
 * so that a verified body that is not JSON reaches the provider's InvalidEventError instead of
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
