import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeProvider } from '../../../services/providers/stripe.js';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../../../services/shared/errors.js';
import { stripeEvent } from '../../../tools/signing-proxy/events.js';

const SECRET = 'whsec_unitTestPrimary0123456789abcdefABCDEF';
const ROTATED_SECRET = 'whsec_unitTestRotated0123456789abcdefABCDEF';
const WRONG_SECRET = 'whsec_unitTestWrong000123456789abcdefABCDEF';
// Far from the wall clock on purpose: passing proves verification uses the injected receivedAt.
const NOW = new Date('2025-06-01T12:00:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const provider = createStripeProvider({ secrets: [SECRET] });

/** Signs the way Stripe does, straight through the official library, not through our `sign`. */
function librarySign(payload: string, secret = SECRET, timestamp = NOW_S): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function body(overrides: Parameters<typeof stripeEvent>[0] = {}): string {
  return JSON.stringify(stripeEvent({ created: NOW_S - 1, ...overrides }));
}

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected an error, none was thrown');
}

function expectSignatureError(fn: () => unknown, reason: string): SignatureVerificationError {
  const err = captureError(fn);
  expect(err).toBeInstanceOf(SignatureVerificationError);
  expect((err as SignatureVerificationError).context.reason).toBe(reason);
  return err as SignatureVerificationError;
}

describe('stripe provider', () => {
  it('is named stripe and keeps a modest set of headers', () => {
    expect(provider.name).toBe('stripe');
    expect(provider.keptHeaders).toEqual(['stripe-signature', 'user-agent', 'content-type']);
  });

  it('accepts a payload signed by the official library, judged by the injected receivedAt', () => {
    const event = stripeEvent({ created: 1_748_779_100 });
    const rawBody = JSON.stringify(event);

    const verified = provider.verify({
      rawBody,
      headers: { 'stripe-signature': librarySign(rawBody), 'content-type': 'application/json' },
      receivedAt: NOW,
    });

    expect(verified).toEqual({
      eventId: event.id,
      eventType: 'payment_intent.succeeded',
      occurredAt: '2025-06-01T11:58:20.000Z',
      payload: event,
    });
    expect(verified.eventId).toMatch(/^evt_/);
  });

  it('round-trips with its own sign', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW });

    expect(headers['content-type']).toBe('application/json');
    expect(headers['stripe-signature']).toMatch(new RegExp(`^t=${NOW_S},v1=[0-9a-f]{64}$`));
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).payload).toEqual(
      JSON.parse(rawBody),
    );
  });

  it('signs what the official library verifies', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW });

    const event = Stripe.webhooks.constructEvent(
      rawBody,
      headers['stripe-signature']!,
      SECRET,
      300,
      undefined,
      NOW.getTime(),
    );
    expect(event.id).toBe(JSON.parse(rawBody).id);
  });

  it('rejects a tampered body and asks whether the raw body is being passed', () => {
    const rawBody = body();
    const header = librarySign(rawBody);
    const tampered = rawBody.replace('"amount":2000', '"amount":1');
    expect(tampered).not.toBe(rawBody);

    const err = expectSignatureError(
      () =>
        provider.verify({
          rawBody: tampered,
          headers: { 'stripe-signature': header },
          receivedAt: NOW,
        }),
      'no_matching_signature',
    );
    expect(err.message).toMatch(/raw request body/);
    expect(err.cause).toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);
  });

  it('rejects a re-serialised body (same JSON, different bytes)', () => {
    const rawBody = body();
    const header = librarySign(rawBody);
    const reserialised = JSON.stringify(JSON.parse(rawBody), null, 2);

    expectSignatureError(
      () =>
        provider.verify({
          rawBody: reserialised,
          headers: { 'stripe-signature': header },
          receivedAt: NOW,
        }),
      'no_matching_signature',
    );
  });

  it('rejects a signature made with another secret', () => {
    const rawBody = body();
    expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: { 'stripe-signature': librarySign(rawBody, WRONG_SECRET) },
          receivedAt: NOW,
        }),
      'no_matching_signature',
    );
  });

  it('accepts a timestamp exactly at the tolerance, rejects one a second older', () => {
    const rawBody = body();
    const at = (timestamp: number) => ({
      rawBody,
      headers: { 'stripe-signature': librarySign(rawBody, SECRET, timestamp) },
      receivedAt: NOW,
    });

    expect(provider.verify(at(NOW_S - 300)).eventType).toBe('payment_intent.succeeded');
    const err = expectSignatureError(() => provider.verify(at(NOW_S - 301)), 'timestamp_too_old');
    expect(err.message).toContain('301 s old');
    expect(err.context).toMatchObject({ signedAt: NOW_S - 301, receivedAt: NOW_S });
  });

  it('rejects a timestamp beyond the tolerance in the future (the library alone would not)', () => {
    const rawBody = body();
    const at = (timestamp: number) => ({
      rawBody,
      headers: { 'stripe-signature': librarySign(rawBody, SECRET, timestamp) },
      receivedAt: NOW,
    });

    expect(provider.verify(at(NOW_S + 300)).eventType).toBe('payment_intent.succeeded');
    const err = expectSignatureError(() => provider.verify(at(NOW_S + 301)), 'timestamp_in_future');
    expect(err.message).toContain('301 s in the future');
    // Documents the gap we close: Stripe's constructEvent accepts any future timestamp.
    expect(() =>
      Stripe.webhooks.constructEvent(
        rawBody,
        librarySign(rawBody, SECRET, NOW_S + 86_400),
        SECRET,
        300,
        undefined,
        NOW.getTime(),
      ),
    ).not.toThrow();
  });

  it('honours a custom tolerance', () => {
    const strict = createStripeProvider({ secrets: [SECRET], toleranceSeconds: 60 });
    const rawBody = body();
    expectSignatureError(
      () =>
        strict.verify({
          rawBody,
          headers: { 'stripe-signature': librarySign(rawBody, SECRET, NOW_S - 61) },
          receivedAt: NOW,
        }),
      'timestamp_too_old',
    );
  });

  it.each([
    ['absent', {}],
    ['empty', { 'stripe-signature': '' }],
  ])('rejects a request whose stripe-signature header is %s', (_, headers) => {
    const err = expectSignatureError(
      () => provider.verify({ rawBody: body(), headers, receivedAt: NOW }),
      'missing_header',
    );
    expect(err.message).toMatch(/stripe-signature/);
  });

  it.each([
    ['no timestamp', 'v1=abc'],
    ['no v1 signature', `t=${NOW_S},v0=abc`],
    ['garbage', 'not a signature'],
  ])('rejects a malformed stripe-signature header (%s)', (_, header) => {
    expectSignatureError(
      () =>
        provider.verify({
          rawBody: body(),
          headers: { 'stripe-signature': header },
          receivedAt: NOW,
        }),
      'malformed_header',
    );
  });

  it.each([
    ['a JSON body', () => body()],
    ['a body that is not JSON', () => 'not json at all'],
  ])(
    'refuses an empty v1= signature with %s as a malformed header (401, never "valid")',
    (_, make) => {
      for (const header of [`t=${NOW_S},v1=`, `t=${NOW_S},v1=,v1=${'0'.repeat(64)}`]) {
        expectSignatureError(
          () =>
            provider.verify({
              rawBody: make(),
              headers: { 'stripe-signature': header },
              receivedAt: NOW,
            }),
          'malformed_header',
        );
      }
    },
  );

  it('refuses a header without a v1 signature or a numeric timestamp as malformed', () => {
    for (const header of [
      `t=${NOW_S}`,
      `t=${NOW_S},v0=abc`,
      'v1=abc',
      `t=soon,v1=${'0'.repeat(64)}`,
    ]) {
      expectSignatureError(
        () =>
          provider.verify({
            rawBody: body(),
            headers: { 'stripe-signature': header },
            receivedAt: NOW,
          }),
        'malformed_header',
      );
    }
  });

  it('accepts a payload signed with the second of two secrets (rotation)', () => {
    const rotating = createStripeProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();

    const verified = rotating.verify({
      rawBody,
      headers: { 'stripe-signature': librarySign(rawBody, ROTATED_SECRET) },
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(JSON.parse(rawBody).id);
    // Signing always uses the first (current) secret.
    const signed = rotating.sign({ rawBody, timestamp: NOW });
    expect(signed['stripe-signature']).toBe(librarySign(rawBody, SECRET));
  });

  it('reports a stale timestamp, not a mismatch, when a later secret matches', () => {
    const rotating = createStripeProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    expectSignatureError(
      () =>
        rotating.verify({
          rawBody,
          headers: { 'stripe-signature': librarySign(rawBody, ROTATED_SECRET, NOW_S - 3600) },
          receivedAt: NOW,
        }),
      'timestamp_too_old',
    );
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON array', '[1,2,3]'],
    ['missing id', body({ id: undefined })],
    ['an id that is not evt_', body({ id: 'pi_3PqXyZ' })],
    ['missing type', body({ type: undefined })],
    ['missing created', body({ created: undefined })],
    ['a created that is not epoch seconds', JSON.stringify({ ...stripeEvent(), created: 'now' })],
    ['a thin event', JSON.stringify({ id: 'evt_1', object: 'v2.core.event', type: 'x' })],
  ])('throws InvalidEventError for a verified body that is %s', (_, rawBody) => {
    const err = captureError(() =>
      provider.verify({
        rawBody,
        headers: { 'stripe-signature': librarySign(rawBody) },
        receivedAt: NOW,
      }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/Stripe/);
  });

  it('never puts a secret in an error message, context or cause', () => {
    const rotating = createStripeProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    const failures: Array<Record<string, string | undefined>> = [
      {},
      { 'stripe-signature': 'garbage' },
      { 'stripe-signature': librarySign(rawBody, WRONG_SECRET) },
      { 'stripe-signature': librarySign(rawBody, SECRET, NOW_S - 3600) },
      { 'stripe-signature': librarySign(rawBody, SECRET, NOW_S + 3600) },
    ];
    const errors = failures.map((headers) =>
      captureError(() => rotating.verify({ rawBody, headers, receivedAt: NOW })),
    );
    errors.push(
      captureError(() =>
        rotating.verify({
          rawBody: 'not json',
          headers: { 'stripe-signature': librarySign('not json') },
          receivedAt: NOW,
        }),
      ),
    );

    for (const err of errors) {
      const text = [
        err.message,
        JSON.stringify((err as SignatureVerificationError).context),
        err.cause instanceof Error ? err.cause.message : String(err.cause),
      ].join('\n');
      for (const secret of [SECRET, ROTATED_SECRET]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice('whsec_'.length));
      }
    }
  });

  it('refuses to start without a usable secret or with a disabling tolerance', () => {
    expect(() => createStripeProvider({ secrets: [] })).toThrow(ConfigurationError);
    expect(() => createStripeProvider({ secrets: ['  '] })).toThrow(ConfigurationError);
    expect(() => createStripeProvider({ secrets: [SECRET], toleranceSeconds: 0 })).toThrow(
      ConfigurationError,
    );
  });
});
