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
import { StripeSignatureVerificationError, webhooks } from './stripe-webhooks.js';

const SIGNATURE_HEADER = 'stripe-signature';
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

    verify({ rawBody, headers, receivedAt }: VerifyInput): VerifiedEvent {
      const header = headers[SIGNATURE_HEADER];
      if (header === undefined || header === '') {
        throw signatureError(
          'Missing stripe-signature header. Is this request from Stripe, and does your proxy ' +
            'forward all headers?',
          'missing_header',
        );
      }

      // constructEvent's receivedAt is epoch *milliseconds* (it divides by 1000). Any non-number,
      // including a Date, is silently ignored in favour of Date.now(), so convert explicitly.
      const receivedAtMs = receivedAt.getTime();
      let event: unknown;
      let lastError: unknown;
      for (const secret of secrets) {
        try {
          event = webhooks.constructEvent(
            rawBody,
            header,
            secret,
            tolerance,
            undefined,
            receivedAtMs,
          );
          lastError = undefined;
          break;
        } catch (err) {
          if (!(err instanceof StripeSignatureVerificationError)) {
            // Verification runs before parsing, so a body problem here means the body was signed
            // correctly but is not an event; anything else (a platform error) surfaces unchanged.
            throw invalidBody(rawBody, err) ?? err;
          }
          const failure = classify(err.message);
          // A stale timestamp is only reported once the signature matched, and a malformed header
          // fails the same way for every secret: no point trying the others.
          if (failure !== 'no_match') {
            throw mappedError(failure, err, header, receivedAtMs, tolerance);
          }
          lastError = err;
        }
      }
      if (lastError !== undefined || event === undefined) {
        throw mappedError('no_match', lastError, header, receivedAtMs, tolerance);
      }

      // The library only rejects timestamps that are too old; a far-future one would make the
      // replay window arbitrarily long, so bound it the other way too.
      const signedAt = signedTimestamp(header);
      const receivedAtSeconds = Math.floor(receivedAtMs / 1000);
      if (signedAt !== undefined && signedAt - receivedAtSeconds > tolerance) {
        throw signatureError(
          `The stripe-signature timestamp is ${signedAt - receivedAtSeconds} s in the future, ` +
            `beyond the ${tolerance} s tolerance. Check the clocks of the sender and this receiver.`,
          'timestamp_in_future',
          undefined,
          { signedAt, receivedAt: receivedAtSeconds, toleranceSeconds: tolerance },
        );
      }

      return toVerifiedEvent(event);
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

type Failure = 'no_match' | 'stale' | 'malformed_header' | 'empty_body';

/** Stripe's error messages are the only signal of why verification failed; unknown → no_match. */
function classify(message: string): Failure {
  if (/tolerance/i.test(message)) return 'stale';
  if (/extract timestamp|expected scheme|header value/i.test(message)) return 'malformed_header';
  if (/no webhook payload/i.test(message)) return 'empty_body';
  return 'no_match';
}

/**
 * Stripe's own messages are helpful but long and mention details we would rather phrase ourselves;
 * they stay available as `cause` for logs. None of them, nor these, contain the secret.
 */
function mappedError(
  failure: Failure,
  cause: unknown,
  header: string,
  receivedAtMs: number,
  tolerance: number,
): SignatureVerificationError {
  switch (failure) {
    case 'stale': {
      const signedAt = signedTimestamp(header);
      const receivedAt = Math.floor(receivedAtMs / 1000);
      const age = signedAt === undefined ? 'too many' : String(receivedAt - signedAt);
      return signatureError(
        `The stripe-signature timestamp is ${age} s old, beyond the ${tolerance} s tolerance. ` +
          'This is a replay or a long-delayed delivery; check the clocks and any queue in between.',
        'timestamp_too_old',
        cause,
        { signedAt, receivedAt, toleranceSeconds: tolerance },
      );
    }
    case 'malformed_header':
      return signatureError(
        'Malformed stripe-signature header: expected "t=<timestamp>,v1=<signature>". ' +
          'Forward the header exactly as Stripe sent it.',
        'malformed_header',
        cause,
      );
    case 'empty_body':
      return signatureError(
        'The request body is empty. Are you passing the raw request body?',
        'empty_body',
        cause,
      );
    case 'no_match':
      return signatureError(
        'No signature in the stripe-signature header matches any configured Stripe webhook ' +
          'secret. Are you passing the raw request body, byte for byte, and is ' +
          'STRIPE_WEBHOOK_SECRET the signing secret of this endpoint?',
        'no_matching_signature',
        cause,
      );
  }
}

function signatureError(
  message: string,
  reason: string,
  cause?: unknown,
  context: Record<string, unknown> = {},
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    cause,
    context: { provider: 'stripe', reason, ...context },
  });
}

/** The `t=` element of the header, in epoch seconds; the signature covers it. */
function signedTimestamp(header: string): number | undefined {
  for (const part of header.split(',')) {
    const [key, value] = part.split('=');
    if (key?.trim() === 't' && value !== undefined && /^\d+$/.test(value.trim())) {
      return Number(value.trim());
    }
  }
  return undefined;
}

function invalidBody(rawBody: string, cause: unknown): InvalidEventError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return new InvalidEventError(
      'The Stripe signature is valid but the body is not JSON. Are you passing the raw request ' +
        'body, decoded as UTF-8?',
      { cause, context: { provider: 'stripe' } },
    );
  }
  if (isRecord(parsed) && parsed.object === 'v2.core.event') {
    return new InvalidEventError(
      'The body is a Stripe thin event (v2.core.event). This endpoint takes snapshot events; ' +
        'point the event destination at a snapshot payload instead.',
      { cause, context: { provider: 'stripe' } },
    );
  }
  return undefined;
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
