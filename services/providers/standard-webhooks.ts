import { Webhook } from 'standardwebhooks';
import { ConfigurationError, InvalidEventError } from '../shared/errors.js';
import { isoDateTime } from './event-time.js';
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
 * Any sender that follows Standard Webhooks (https://www.standardwebhooks.com; the spec is
 * spec/standard-webhooks.md in standard-webhooks/standard-webhooks): the signature scheme is
 * shared with BigCommerce (standard-webhooks-scheme.ts), keyed with the endpoint's `whsec_…`
 * secret exactly as the sender shows it. The body follows the spec's recommended envelope
 * `{ "type": "contact.created", "timestamp": "2022-11-03T20:26:10.344522Z", "data": {…} }`.
 */

const PROVIDER = 'standard-webhooks';
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface StandardWebhooksProviderOptions {
  /** Endpoint signing secrets (`whsec_` + base64), current first: verification tries each. */
  readonly secrets: readonly string[];
}

export function createStandardWebhooksProvider(
  opts: StandardWebhooksProviderOptions,
): SyncProvider {
  const scheme = createStandardWebhooksScheme({
    provider: PROVIDER,
    webhooks: toWebhooks(opts.secrets),
    sender: 'the sender',
    from: 'a Standard Webhooks sender',
    noMatchMessage:
      'No signature in the webhook-signature header matches any configured Standard Webhooks ' +
      'secret. Are you passing the raw request body, byte for byte, and is ' +
      'STANDARD_WEBHOOKS_SECRET the signing secret (whsec_…) of this endpoint?',
  });

  return {
    name: PROVIDER,
    keptHeaders: [...scheme.headers, 'user-agent', 'content-type'],

    verify(input: VerifyInput): VerifiedEvent {
      const { msgId, signedAt } = scheme.verify(input);
      return toVerifiedEvent(msgId, signedAt, bodyText(input.rawBody, PROVIDER));
    },

    sign(input: SignInput): Record<string, string> {
      // The event type travels in the body's `type`; SignInput.eventType has no header to go into.
      return { ...scheme.sign(input), 'content-type': 'application/json' };
    },
  };
}

/**
 * One library instance per secret. The library strips `whsec_` and base64-decodes the rest; it
 * is checked here first so that a mistyped secret stops the function at start, naming the
 * setting, instead of failing every delivery. Neither the secret nor the library's message
 * (which could quote it) goes into the error.
 */
function toWebhooks(secrets: readonly string[]): Webhook[] {
  if (secrets.length === 0) {
    throw new ConfigurationError(
      'Standard Webhooks needs at least one signing secret. Set STANDARD_WEBHOOKS_SECRET to ' +
        "the endpoint's secret (whsec_…) as the sender shows it.",
      { context: { provider: PROVIDER, secretCount: 0 } },
    );
  }
  return secrets.map((secret, index) => {
    const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
    if (encoded === '' || !BASE64.test(encoded)) {
      throw new ConfigurationError(
        `Secret ${index + 1} of STANDARD_WEBHOOKS_SECRET is not a Standard Webhooks signing ` +
          'secret: expected "whsec_" followed by base64, exactly as the sender shows it.',
        { context: { provider: PROVIDER, secretIndex: index, secretCount: secrets.length } },
      );
    }
    return new Webhook(secret);
  });
}

function toVerifiedEvent(msgId: string, signedAt: number, rawBody: string): VerifiedEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch (err) {
    throw new InvalidEventError(
      'The Standard Webhooks signature is valid but the body is not JSON. Are you passing the ' +
        'raw request body, decoded as UTF-8?',
      { cause: err, context: { provider: PROVIDER } },
    );
  }
  if (!isRecord(payload)) {
    throw invalidEvent('The verified body is not a JSON object.');
  }
  const { type, timestamp } = payload;
  if (typeof type !== 'string' || type.trim() === '' || type.length > 200) {
    throw invalidEvent('The verified body has no event "type" (e.g. "invoice.paid").');
  }
  /*
   * The envelope's `timestamp` is when the event happened and stays the same on every retry. The
   * signed `webhook-timestamp` is when this attempt was sent: the fallback when the body has no
   * readable `timestamp` (the spec only recommends the envelope), still the sender's clock.
   */
  const occurredAt = isoDateTime(timestamp) ?? new Date(signedAt * 1000).toISOString();
  // webhook-id stays the same on every retry of one message (the spec's idempotency key).
  return { eventId: msgId, eventType: type, occurredAt, payload };
}

function invalidEvent(message: string): InvalidEventError {
  return new InvalidEventError(
    `${message} Standard Webhooks senders should send the envelope ` +
      '{"type", "timestamp", "data"}.',
    { context: { provider: PROVIDER } },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The standard-webhooks sender: see ProviderDescriptor. */
export const standardWebhooks: ProviderDescriptor<'standard-webhooks', SyncProvider> = {
  name: 'standard-webhooks',
  secret: {
    variable: 'STANDARD_WEBHOOKS_SECRET',
    /** `whsec_` + base64 of the 32 bytes "local-standard-webhooks-dev-key!". */
    localDefault: 'whsec_bG9jYWwtc3RhbmRhcmQtd2ViaG9va3MtZGV2LWtleSE=',
    optional: true,
  },
  create: (secrets) => createStandardWebhooksProvider({ secrets }),
  eventIdOf: (_rawBody, headers) => headers['webhook-id'],
};
