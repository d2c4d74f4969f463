import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../shared/errors.js';
import type {
  ProviderDescriptor,
  SignInput,
  SyncProvider,
  VerifiedEvent,
  VerifyInput,
} from './provider.js';
import { bodyText } from './raw-body.js';
import { StripeSignatureVerificationError, webhooks } from './stripe-webhooks.js';

const SIGNATURE_HEADER = 'stripe-signature';

/** The library's signature checker, without its event parsing (set by `createWebhooks`). */
const signature = webhooks.signature ?? missingSignatureHelper();

function missingSignatureHelper(): never {
  throw new ConfigurationError("The stripe package's webhooks module has no signature helper.");
}
const DEFAULT_TOLERANCE_SECONDS = 300;

export interface StripeProviderOptions {
  /** Endpoint signing secrets (`whsec_…`), current first: verification tries each in order. */
  readonly secrets: readonly string[];
  /** How far the signed timestamp may be from `receivedAt`, either way. Default 300. */
  readonly toleranceSeconds?: number;
}

export function createStripeProvider(opts: StripeProviderOptions): SyncProvider {
  const secrets = [...opts.secrets];
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (secrets.length === 0 || secrets.some((s) => s.trim() === '')) {
    throw new ConfigurationError(
      'Stripe needs at least one non-blank webhook signing secret (whsec_…). ' +
        'Set STRIPE_WEBHOOK_SECRET to the endpoint secret from the Stripe dashboard.',
      { context: { provider: 'stripe', secretCount: secrets.length } },
    );
  }
  // The library treats 0 as "skip the timestamp check", which would silently allow replays.
  if (!Number.isFinite(tolerance) || tolerance <= 0) {
    throw new ConfigurationError(
      `Stripe toleranceSeconds must be a positive number of seconds, got ${String(tolerance)}.`,
      { context: { provider: 'stripe' } },
    );
  }

  return {
    name: 'stripe',
    keptHeaders: [SIGNATURE_HEADER, 'user-agent', 'content-type'],

    verify({ rawBody: body, headers, receivedAt }: VerifyInput): VerifiedEvent {
      const rawBody = bodyText(body, 'Stripe');
      const header = headers[SIGNATURE_HEADER];
      if (header === undefined || header === '') {
        throw signatureError(
          'Missing stripe-signature header. Is this request from Stripe, and does your proxy ' +
            'forward all headers?',
          'missing_header',
        );
      }
      if (rawBody === '') {
        throw signatureError(
          'The request body is empty. Are you passing the raw request body?',
          'empty_body',
        );
      }
      // The header's shape is checked here, not by reading the library's error messages: a
      // timestamp and at least one v1 signature, none of them empty (an empty one would reach
      // the library's constant-time comparison, which throws on it).
      const signedAt = wellFormedTimestamp(header);
      if (signedAt === undefined) {
        throw signatureError(
          'Malformed stripe-signature header: expected "t=<timestamp>,v1=<signature>". ' +
            'Forward the header exactly as Stripe sent it.',
          'malformed_header',
        );
      }

      // The library checks the signature; the timestamp is checked below, both ways, so its own
      // one-way check is off (tolerance 0). Any StripeSignatureVerificationError now means this
      // secret does not match; anything else is not the sender's fault and surfaces unchanged.
      const receivedAtMs = receivedAt.getTime();
      let mismatch: unknown;
      const matched = secrets.some((secret) => {
        try {
          return signature.verifyHeader(rawBody, header, secret, 0, undefined, receivedAtMs);
        } catch (err) {
          if (!(err instanceof StripeSignatureVerificationError)) throw err;
          mismatch = err;
          return false;
        }
      });
      if (!matched) {
        throw signatureError(
          'No signature in the stripe-signature header matches any configured Stripe webhook ' +
            'secret. Are you passing the raw request body, byte for byte, and is ' +
            'STRIPE_WEBHOOK_SECRET the signing secret of this endpoint?',
          'no_matching_signature',
          {},
          mismatch,
        );
      }

      const receivedAtSeconds = Math.floor(receivedAtMs / 1000);
      const timing = { signedAt, receivedAt: receivedAtSeconds, toleranceSeconds: tolerance };
      if (receivedAtSeconds - signedAt > tolerance) {
        throw signatureError(
          `The stripe-signature timestamp is ${receivedAtSeconds - signedAt} s old, beyond the ` +
            `${tolerance} s tolerance. This is a replay or a long-delayed delivery; check the ` +
            'clocks and any queue in between.',
          'timestamp_too_old',
          timing,
        );
      }
      // A far-future timestamp would make the replay window arbitrarily long.
      if (signedAt - receivedAtSeconds > tolerance) {
        throw signatureError(
          `The stripe-signature timestamp is ${signedAt - receivedAtSeconds} s in the future, ` +
            `beyond the ${tolerance} s tolerance. Check the clocks of the sender and this receiver.`,
          'timestamp_in_future',
          timing,
        );
      }

      return toVerifiedEvent(parseBody(rawBody));
    },

    sign({ rawBody, timestamp }: SignInput): Record<string, string> {
      // Stripe carries the event id inside the body, so SignInput.eventId has nothing to sign.
      const header = webhooks.generateTestHeaderString({
        payload: rawBody,
        secret: secrets[0]!,
        timestamp: Math.floor(timestamp.getTime() / 1000),
      });
      return { [SIGNATURE_HEADER]: header, 'content-type': 'application/json' };
    },
  };
}

function signatureError(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
  cause?: unknown,
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    cause,
    context: { provider: 'stripe', reason, ...context },
  });
}

/**
 * The `t=` element of a well-formed header, in epoch seconds (the signature covers it); undefined
 * when the header has no numeric timestamp, no `v1` signature, or an empty one.
 */
function wellFormedTimestamp(header: string): number | undefined {
  let timestamp: number | undefined;
  let signatures = 0;
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (separator < 0) continue;
    if (key === 't') timestamp = /^\d+$/.test(value) ? Number(value) : undefined;
    if (key === 'v1') {
      if (value === '') return undefined;
      signatures += 1;
    }
  }
  return signatures > 0 ? timestamp : undefined;
}

/** The verified body as JSON; a snapshot event, not a thin one. */
function parseBody(rawBody: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (cause) {
    throw new InvalidEventError(
      'The Stripe signature is valid but the body is not JSON. Are you passing the raw request ' +
        'body, decoded as UTF-8?',
      { cause, context: { provider: 'stripe' } },
    );
  }
  if (isRecord(parsed) && parsed.object === 'v2.core.event') {
    throw new InvalidEventError(
      'The body is a Stripe thin event (v2.core.event). This endpoint takes snapshot events; ' +
        'point the event destination at a snapshot payload instead.',
      { context: { provider: 'stripe' } },
    );
  }
  return parsed;
}

function toVerifiedEvent(event: unknown): VerifiedEvent {
  if (!isRecord(event)) {
    throw invalidEvent('The verified Stripe body is not a JSON object.');
  }
  const { id, type, created } = event;
  if (typeof id !== 'string' || !id.startsWith('evt_')) {
    throw invalidEvent('The verified Stripe body has no event id ("id" starting with "evt_").');
  }
  if (typeof type !== 'string' || type === '') {
    throw invalidEvent('The verified Stripe body has no event "type".');
  }
  const occurredAt = epochSecondsToIso(created);
  if (occurredAt === undefined) {
    throw invalidEvent(
      'The verified Stripe body has no valid "created" (epoch seconds, a non-negative integer).',
    );
  }
  return { eventId: id, eventType: type, occurredAt, payload: event };
}

function invalidEvent(message: string): InvalidEventError {
  return new InvalidEventError(`${message} Is this a Stripe webhook event?`, {
    context: { provider: 'stripe' },
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

/** The stripe sender: see ProviderDescriptor. */
export const stripe: ProviderDescriptor<'stripe', SyncProvider> = {
  name: 'stripe',
  secret: {
    variable: 'STRIPE_WEBHOOK_SECRET',
    parameterName: '/webhook-receiver/stripe-webhook-secret',
    localDefault: 'whsec_local_stripe_dev_secret',
    optional: false,
  },
  create: (secrets) => createStripeProvider({ secrets }),
  eventIdOf: (rawBody, _headers) => bodyId(rawBody),
};

function bodyId(rawBody: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return isRecord(parsed) && typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
