import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBigCommerceProvider } from '../../../services/providers/bigcommerce.js';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../../../services/shared/errors.js';
import { bigcommerceEvent } from '../../../tools/signing-proxy/events.js';

// BigCommerce client secrets are plain alphanumeric strings, not whsec_/base64 keys.
const SECRET = 'unittestprimaryclientsecret0123456789abc';
const ROTATED_SECRET = 'unittestrotatedclientsecret0123456789abc';
const WRONG_SECRET = 'unittestwrongclientsecret000123456789abc';
// A fixed receipt time. The library's verify reads the wall clock, so each test pins the system
// time to NOW as well: in production receivedAt is the current time, so that is faithful.
const NOW = new Date('2025-06-01T12:00:00.000Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const MSG_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

const provider = createBigCommerceProvider({ clientSecrets: [SECRET] });

/** The library keyed the way BigCommerce's docs describe: base64 of the raw client secret. */
function library(secret = SECRET): Webhook {
  return new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
}

/** Signs straight through the official library, not through our `sign`. */
function librarySign(
  rawBody: string,
  { secret = SECRET, timestamp = NOW_S, msgId = MSG_ID } = {},
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': library(secret).sign(msgId, new Date(timestamp * 1000), rawBody),
  };
}

function body(overrides: Parameters<typeof bigcommerceEvent>[0] = {}): string {
  return JSON.stringify(bigcommerceEvent({ created_at: NOW_S - 1, ...overrides }));
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

describe('bigcommerce provider', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('is named bigcommerce and keeps the Standard Webhooks headers', () => {
    expect(provider.name).toBe('bigcommerce');
    expect(provider.keptHeaders).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
  });

  it('accepts a payload signed by the official library, judged by the injected receivedAt', () => {
    const event = bigcommerceEvent({ created_at: 1_561_479_335, data: { type: 'order', id: 250 } });
    const rawBody = JSON.stringify(event);

    const verified = provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW });

    expect(verified).toEqual({
      eventId: MSG_ID,
      eventType: 'store/order/created',
      occurredAt: '2019-06-25T16:15:35.000Z',
      payload: event,
    });
  });

  it('round-trips with its own sign, generating a msg_ id when none is given', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW });

    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(headers['webhook-timestamp']).toBe(String(NOW_S));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(headers['content-type']).toBe('application/json');
    const verified = provider.verify({ rawBody, headers, receivedAt: NOW });
    expect(verified.eventId).toBe(headers['webhook-id']);
    expect(provider.sign({ rawBody, timestamp: NOW })['webhook-id']).not.toBe(
      headers['webhook-id'],
    );
  });

  it('signs with the given event id', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW, eventId: MSG_ID });
    expect(headers).toMatchObject(librarySign(rawBody));
  });

  it("verifies through the library's Webhook#verify: what it accepts or rejects, we do", () => {
    const verifySpy = vi.spyOn(Webhook.prototype, 'verify');
    const rawBody = body();
    const headers = librarySign(rawBody);

    expect(library().verify(rawBody, headers)).toEqual(JSON.parse(rawBody));
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).payload).toEqual(
      JSON.parse(rawBody),
    );
    expect(verifySpy).toHaveBeenLastCalledWith(rawBody, headers, { jsonParse: false });

    const tampered = rawBody.replace('store/order/created', 'store/order/updated');
    expect(() => library().verify(tampered, headers)).toThrow(WebhookVerificationError);
    const err = expectSignatureError(
      () => provider.verify({ rawBody: tampered, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
    expect(verifySpy).toHaveBeenLastCalledWith(tampered, headers, { jsonParse: false });
    expect(err.cause).toBeUndefined();
  });

  it('checks the injected receivedAt before calling the library', () => {
    const verifySpy = vi.spyOn(Webhook.prototype, 'verify');
    const rawBody = body();
    // Fresh by the wall clock, so only our receivedAt bound can reject it.
    const headers = librarySign(rawBody);

    expectSignatureError(
      () => provider.verify({ rawBody, headers, receivedAt: new Date(NOW.getTime() + 301_000) }),
      'timestamp_too_old',
    );
    expectSignatureError(
      () => provider.verify({ rawBody, headers, receivedAt: new Date(NOW.getTime() - 301_000) }),
      'timestamp_in_future',
    );
    expect(verifySpy).not.toHaveBeenCalled();
  });

  it.each([
    ['too old', 3600, 'timestamp_too_old', /older than this machine's clock/],
    ['too new', -3600, 'timestamp_in_future', /ahead of this machine's clock/],
  ])(
    "maps the library's wall-clock %s to a timestamp reason when receivedAt is far from it",
    (_, wallClockOffsetSeconds, reason, message) => {
      vi.setSystemTime(NOW.getTime() + wallClockOffsetSeconds * 1000);
      const rawBody = body();

      const err = expectSignatureError(
        () => provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW }),
        reason,
      );
      expect(err.message).toMatch(message);
      expect(err.context).toMatchObject({ signedAt: NOW_S, receivedAt: NOW_S, clock: 'system' });
    },
  );

  it.each([
    ['an unexpected library error', new WebhookVerificationError('Invalid Signature Headers')],
    ['a non-library error', new TypeError('boom')],
  ])('reports %s as no_matching_signature with it as the cause', (_, libraryError) => {
    vi.spyOn(Webhook.prototype, 'verify').mockImplementation(() => {
      throw libraryError;
    });
    const rawBody = body();

    const err = expectSignatureError(
      () => provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW }),
      'no_matching_signature',
    );
    expect(err.cause).toBe(libraryError);
  });

  it('tries the next secret after the library throws for one', () => {
    const rotating = createBigCommerceProvider({ clientSecrets: [SECRET, ROTATED_SECRET] });
    const verifySpy = vi.spyOn(Webhook.prototype, 'verify').mockImplementationOnce(() => {
      throw new WebhookVerificationError('Invalid Signature Headers');
    });
    const rawBody = body();

    const verified = rotating.verify({
      rawBody,
      headers: librarySign(rawBody, { secret: ROTATED_SECRET }),
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(MSG_ID);
    expect(verifySpy).toHaveBeenCalledTimes(2);
  });

  it('rejects a tampered body and asks whether the raw body is being passed', () => {
    const rawBody = body();
    const headers = librarySign(rawBody);
    const tampered = rawBody.replace('"store_id":"1025646"', '"store_id":"1025647"');
    expect(tampered).not.toBe(rawBody);

    const err = expectSignatureError(
      () => provider.verify({ rawBody: tampered, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
    expect(err.message).toMatch(/raw request body/);
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

  it('rejects a signature keyed with the raw, not base64-encoded, secret', () => {
    // The most common integration mistake; the provider must not accept it by accident.
    const rawBody = body();
    // 40 base64-alphabet characters, so the library accepts the raw secret and decodes it.
    const misKeyed = new Webhook(SECRET);
    const headers = {
      ...librarySign(rawBody),
      'webhook-signature': misKeyed.sign(MSG_ID, NOW, rawBody),
    };
    expectSignatureError(
      () => provider.verify({ rawBody, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
  });

  it('accepts a timestamp exactly at the tolerance, rejects one a second older', () => {
    const rawBody = body();
    const at = (timestamp: number) => ({
      rawBody,
      headers: librarySign(rawBody, { timestamp }),
      receivedAt: NOW,
    });

    expect(provider.verify(at(NOW_S - 300)).eventType).toBe('store/order/created');
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

    expect(provider.verify(at(NOW_S + 300)).eventType).toBe('store/order/created');
    const err = expectSignatureError(() => provider.verify(at(NOW_S + 301)), 'timestamp_in_future');
    expect(err.message).toContain('301 s in the future');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'rejects a request without the %s header',
    (name) => {
      const rawBody = body();
      const headers: Record<string, string | undefined> = { ...librarySign(rawBody) };
      delete headers[name];

      const err = expectSignatureError(
        () => provider.verify({ rawBody, headers, receivedAt: NOW }),
        'missing_header',
      );
      expect(err.message).toContain(name);
      expect(err.context.missing).toEqual([name]);
    },
  );

  it('names every missing header at once', () => {
    const err = expectSignatureError(
      () => provider.verify({ rawBody: body(), headers: {}, receivedAt: NOW }),
      'missing_header',
    );
    expect(err.message).toContain('webhook-id, webhook-timestamp, webhook-signature headers');
  });

  it.each([
    ['a non-numeric webhook-timestamp', { 'webhook-timestamp': '2025-06-01T12:00:00Z' }],
    ['a webhook-signature without a v1 entry', { 'webhook-signature': 'v2,abc' }],
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

  it('accepts a payload signed with the second of two secrets (rotation)', () => {
    const rotating = createBigCommerceProvider({ clientSecrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();

    const verified = rotating.verify({
      rawBody,
      headers: librarySign(rawBody, { secret: ROTATED_SECRET }),
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(MSG_ID);
    // Signing always uses the first (current) secret.
    expect(rotating.sign({ rawBody, timestamp: NOW, eventId: MSG_ID })).toMatchObject(
      librarySign(rawBody),
    );
  });

  it('accepts a header carrying several signatures when any one matches', () => {
    const rawBody = body();
    const good = librarySign(rawBody)['webhook-signature'];
    const bad = librarySign(rawBody, { secret: WRONG_SECRET })['webhook-signature'];
    const headers = { ...librarySign(rawBody), 'webhook-signature': `${bad} ${good}` };

    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).eventId).toBe(MSG_ID);
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON array', '[1,2,3]'],
    ['missing scope', body({ scope: undefined })],
    ['an empty scope', body({ scope: '' })],
    ['missing created_at', body({ created_at: undefined })],
    [
      'a created_at that is not epoch seconds',
      JSON.stringify({ ...bigcommerceEvent(), created_at: '2019-06-25T16:15:35Z' }),
    ],
  ])('throws InvalidEventError for a verified body that is %s', (_, rawBody) => {
    const err = captureError(() =>
      provider.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/BigCommerce/);
  });

  it('never puts a secret in an error message or context', () => {
    const rotating = createBigCommerceProvider({ clientSecrets: [SECRET, ROTATED_SECRET] });
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
    // The library's wall-clock rejection, with receivedAt far from the system time.
    vi.setSystemTime(NOW.getTime() + 3600_000);
    errors.push(
      captureError(() =>
        rotating.verify({ rawBody, headers: librarySign(rawBody), receivedAt: NOW }),
      ),
    );
    expect(errors).toHaveLength(failures.length + 2);

    for (const err of errors) {
      const text = `${err.message}\n${JSON.stringify((err as SignatureVerificationError).context)}`;
      for (const secret of [SECRET, ROTATED_SECRET]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(Buffer.from(secret, 'utf8').toString('base64'));
      }
    }
  });

  it('refuses to start without a usable client secret', () => {
    expect(() => createBigCommerceProvider({ clientSecrets: [] })).toThrow(ConfigurationError);
    expect(() => createBigCommerceProvider({ clientSecrets: [''] })).toThrow(ConfigurationError);
  });
});
