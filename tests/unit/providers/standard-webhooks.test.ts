import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStandardWebhooksProvider } from '../../../services/providers/standard-webhooks.js';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../../../services/shared/errors.js';
import { standardWebhooksEvent } from '../../../tools/signing-proxy/events.js';

// Standard Webhooks secrets: `whsec_` + base64 of 24 to 64 random bytes.
const SECRET = `whsec_${Buffer.from('unit-test-standard-webhooks-primary').toString('base64')}`;
const ROTATED_SECRET = `whsec_${Buffer.from('unit-test-standard-webhooks-rotated').toString('base64')}`;
const WRONG_SECRET = `whsec_${Buffer.from('unit-test-standard-webhooks-wrong!!').toString('base64')}`;
// The library's verify reads the wall clock, so each test pins the system time to NOW as well.
const NOW = new Date('2025-06-01T12:00:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const MSG_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

const provider = createStandardWebhooksProvider({ secrets: [SECRET] });

/** Signs straight through the official library, keyed with the secret as the sender shows it. */
function librarySign(
  rawBody: string,
  { secret = SECRET, timestamp = NOW_S, msgId = MSG_ID } = {},
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(secret).sign(msgId, new Date(timestamp * 1000), rawBody),
  };
}

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(
    standardWebhooksEvent({ timestamp: '2025-06-01T11:59:58.123456Z', ...overrides }),
  );
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

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('standard-webhooks provider: conformance with the spec’s test vector', () => {
  /*
   * The reference JavaScript library's test "sign function works", in
   * https://github.com/standard-webhooks/standard-webhooks/blob/main/libraries/javascript/src/webhook.test.ts
   * (the same key, id, timestamp and payload run through the other languages' libraries' tests).
   */
  const VECTOR = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    payload: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const spec = createStandardWebhooksProvider({ secrets: [VECTOR.secret] });
  const at = new Date(VECTOR.timestamp * 1000);

  it('signs the vector to the vector’s signature, with its id and timestamp', () => {
    expect(spec.sign({ rawBody: VECTOR.payload, timestamp: at, eventId: VECTOR.msgId })).toEqual({
      'webhook-id': VECTOR.msgId,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
      'content-type': 'application/json',
    });
  });

  it('accepts the vector’s signature: the body then fails only as an event (it has no type)', () => {
    vi.setSystemTime(at);
    const err = captureError(() =>
      spec.verify({
        rawBody: VECTOR.payload,
        headers: {
          'webhook-id': VECTOR.msgId,
          'webhook-timestamp': String(VECTOR.timestamp),
          'webhook-signature': VECTOR.signature,
        },
        receivedAt: at,
      }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/"type"/);
  });

  it('accepts the vector’s key without its whsec_ prefix too, as the library does', () => {
    const unprefixed = createStandardWebhooksProvider({ secrets: [VECTOR.secret.slice(6)] });
    expect(
      unprefixed.sign({ rawBody: VECTOR.payload, timestamp: at, eventId: VECTOR.msgId })[
        'webhook-signature'
      ],
    ).toBe(VECTOR.signature);
  });
});

describe('standard-webhooks provider', () => {
  it('is named standard-webhooks and keeps the Standard Webhooks headers', () => {
    expect(provider.name).toBe('standard-webhooks');
    expect(provider.keptHeaders).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
  });

  it('accepts the spec’s envelope signed by the library: id, type, timestamp (to the ms), payload', () => {
    const event = standardWebhooksEvent({
      type: 'contact.created',
      timestamp: '2022-11-03T20:26:10.344522Z',
    });
    const rawBody = JSON.stringify(event);

    const verified = provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW });

    expect(verified).toEqual({
      eventId: MSG_ID,
      eventType: 'contact.created',
      occurredAt: '2022-11-03T20:26:10.344Z',
      payload: event,
    });
  });

  it("verifies through the library's Webhook#verify (the scheme shared with BigCommerce)", () => {
    const verifySpy = vi.spyOn(Webhook.prototype, 'verify');
    const rawBody = body();
    const headers = librarySign(rawBody);

    provider.verify({ rawBody, headers, receivedAt: NOW });
    expect(verifySpy).toHaveBeenLastCalledWith(rawBody, headers, { jsonParse: false });
  });

  it.each([
    ['no timestamp', undefined],
    ['a timestamp without a zone', '2025-06-01T11:00:00'],
    ['an epoch number', 1748775600],
    ['a timestamp that is no date', 'last tuesday'],
  ])('falls back to the signed webhook-timestamp when the body has %s', (_, timestamp) => {
    const rawBody = body({ timestamp });
    const verified = provider.verify({
      rawBody,
      headers: librarySign(rawBody, { timestamp: NOW_S - 5 }),
      receivedAt: NOW,
    });
    expect(verified.occurredAt).toBe(new Date((NOW_S - 5) * 1000).toISOString());
  });

  it('round-trips with its own sign, generating a msg_ id when none is given', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW });

    expect(Object.keys(headers).sort()).toEqual(
      ['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp'].sort(),
    );
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(headers['webhook-timestamp']).toBe(String(NOW_S));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).eventId).toBe(
      headers['webhook-id'],
    );
  });

  it('signs with the given message id exactly as the library does', () => {
    const rawBody = body();
    expect(provider.sign({ rawBody, timestamp: NOW, eventId: MSG_ID })).toMatchObject(
      librarySign(rawBody),
    );
  });

  it('rejects a tampered body and asks whether the raw body is being passed', () => {
    const rawBody = body();
    const headers = librarySign(rawBody);
    const tampered = rawBody.replace('"amount":2000', '"amount":1');
    expect(tampered).not.toBe(rawBody);

    const err = expectSignatureError(
      () => provider.verify({ rawBody: tampered, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
    expect(err.message).toMatch(/raw request body/);
    expect(err.message).toMatch(/STANDARD_WEBHOOKS_SECRET/);
  });

  it('rejects a tampered webhook-id (it is part of the signed content)', () => {
    const rawBody = body();
    const headers = { ...librarySign(rawBody), 'webhook-id': 'msg_someoneelse' };
    expectSignatureError(
      () => provider.verify({ rawBody, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
  });

  it('rejects a signature made with another secret', () => {
    const rawBody = body();
    expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: librarySign(rawBody, { secret: WRONG_SECRET }),
          receivedAt: NOW,
        }),
      'no_matching_signature',
    );
  });

  it('accepts a payload signed with the second of two secrets (rotation), signs with the first', () => {
    const rotating = createStandardWebhooksProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();

    const verified = rotating.verify({
      rawBody,
      headers: librarySign(rawBody, { secret: ROTATED_SECRET }),
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(MSG_ID);
    expect(rotating.sign({ rawBody, timestamp: NOW, eventId: MSG_ID })).toMatchObject(
      librarySign(rawBody),
    );
  });

  it('accepts a header carrying several signatures when any one matches (sender-side rotation)', () => {
    const rawBody = body();
    const good = librarySign(rawBody)['webhook-signature'];
    const other = librarySign(rawBody, { secret: WRONG_SECRET })['webhook-signature'];
    const headers = { ...librarySign(rawBody), 'webhook-signature': `${other} ${good}` };
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).eventId).toBe(MSG_ID);
  });

  it('accepts a timestamp exactly at the tolerance, rejects one a second older', () => {
    const rawBody = body();
    const at = (timestamp: number) => ({
      rawBody,
      headers: librarySign(rawBody, { timestamp }),
      receivedAt: NOW,
    });
    expect(provider.verify(at(NOW_S - 300)).eventType).toBe('invoice.paid');
    const err = expectSignatureError(() => provider.verify(at(NOW_S - 301)), 'timestamp_too_old');
    expect(err.message).toContain('301 s old');
  });

  it('accepts a timestamp exactly at the tolerance in the future, rejects one a second later', () => {
    const rawBody = body();
    const at = (timestamp: number) => ({
      rawBody,
      headers: librarySign(rawBody, { timestamp }),
      receivedAt: NOW,
    });
    expect(provider.verify(at(NOW_S + 300)).eventType).toBe('invoice.paid');
    const err = expectSignatureError(() => provider.verify(at(NOW_S + 301)), 'timestamp_in_future');
    expect(err.message).toContain('301 s in the future');
  });

  it('judges the timestamp by the injected receivedAt', () => {
    const rawBody = body();
    const headers = librarySign(rawBody);
    expectSignatureError(
      () => provider.verify({ rawBody, headers, receivedAt: new Date(NOW.getTime() + 301_000) }),
      'timestamp_too_old',
    );
  });

  it('names every missing header at once, and asks about the sender and the proxy', () => {
    const err = expectSignatureError(
      () => provider.verify({ rawBody: body(), headers: {}, receivedAt: NOW }),
      'missing_header',
    );
    expect(err.message).toContain('webhook-id, webhook-timestamp, webhook-signature headers');
    expect(err.message).toMatch(/Standard Webhooks sender/);
  });

  it.each([
    ['a non-numeric webhook-timestamp', { 'webhook-timestamp': '2025-06-01T12:00:00Z' }],
    ['a webhook-signature without a v1 entry', { 'webhook-signature': 'v1a,abc' }],
  ])('rejects %s as malformed', (_, override) => {
    const rawBody = body();
    expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: { ...librarySign(rawBody), ...override },
          receivedAt: NOW,
        }),
      'malformed_header',
    );
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON array', '[1,2,3]'],
    ['missing type', body({ type: undefined })],
    ['an empty type', body({ type: ' ' })],
    ['a type that is not a string', body({ type: 42 })],
  ])('throws InvalidEventError for a verified body that is %s', (_, rawBody) => {
    const err = captureError(() =>
      provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/Standard Webhooks/);
  });

  it('never puts a secret in an error message or context', () => {
    const rotating = createStandardWebhooksProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    const failures: Array<Record<string, string | undefined>> = [
      {},
      { ...librarySign(rawBody), 'webhook-signature': 'garbage' },
      librarySign(rawBody, { secret: WRONG_SECRET }),
      librarySign(rawBody, { timestamp: NOW_S - 3600 }),
      librarySign(rawBody, { timestamp: NOW_S + 3600 }),
    ];
    const errors = failures.map((headers) =>
      captureError(() => rotating.verify({ rawBody, headers, receivedAt: NOW })),
    );
    errors.push(
      captureError(() =>
        rotating.verify({ rawBody: 'nope', headers: librarySign('nope'), receivedAt: NOW }),
      ),
    );
    errors.push(
      captureError(() =>
        createStandardWebhooksProvider({ secrets: [SECRET, 'whsec_not base64!'] }),
      ),
    );
    for (const err of errors) {
      const text = `${err.message}\n${JSON.stringify((err as SignatureVerificationError).context)}`;
      for (const secret of [SECRET, ROTATED_SECRET, 'not base64']) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.replace('whsec_', ''));
      }
    }
  });

  it('refuses to start without a secret', () => {
    expect(() => createStandardWebhooksProvider({ secrets: [] })).toThrow(ConfigurationError);
  });

  it.each([
    ['blank', ''],
    ['only the prefix', 'whsec_'],
    ['not base64', 'whsec_this is not base64!'],
    ['badly padded base64', 'whsec_abc'],
  ])('refuses a secret that is %s, naming the setting and which secret', (_, secret) => {
    const err = captureError(() => createStandardWebhooksProvider({ secrets: [SECRET, secret] }));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/Secret 2 of STANDARD_WEBHOOKS_SECRET/);
    expect((err as ConfigurationError).context).toMatchObject({ secretIndex: 1 });
  });
});
