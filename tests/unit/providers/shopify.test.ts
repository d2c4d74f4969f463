import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createShopifyProvider } from '../../../services/providers/shopify.js';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../../../services/shared/errors.js';
import { shopifyOrderEvent } from '../../../tools/signing-proxy/events.js';

// A pass-through spy: the comparison must be node:crypto's constant-time one.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const SECRET = 'unit-test-shopify-primary-client-secret';
const ROTATED_SECRET = 'unit-test-shopify-rotated-client-secret';
const WRONG_SECRET = 'unit-test-shopify-wrong-client-secret00';
const NOW = new Date('2025-06-01T12:00:00.000Z');
const WEBHOOK_ID = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';

const provider = createShopifyProvider({ clientSecrets: [SECRET] });

/** Shopify's signature computed independently of the provider: base64 HMAC-SHA256 of the body. */
function shopifyHmac(rawBody: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('base64');
}

/** The headers Shopify sends (https://shopify.dev/docs/apps/build/webhooks, "Headers"). */
function shopifyHeaders(
  rawBody: string,
  overrides: Record<string, string | undefined> = {},
  secret = SECRET,
): Record<string, string | undefined> {
  return {
    'x-shopify-topic': 'orders/create',
    'x-shopify-hmac-sha256': shopifyHmac(rawBody, secret),
    'x-shopify-shop-domain': 'example.myshopify.com',
    'x-shopify-api-version': '2026-01',
    'x-shopify-webhook-id': WEBHOOK_ID,
    'x-shopify-triggered-at': '2023-03-29T18:00:27.877041743Z',
    'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
    'content-type': 'application/json',
    ...overrides,
  };
}

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(shopifyOrderEvent(overrides));
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

afterEach(() => {
  vi.clearAllMocks();
});

describe('shopify provider: conformance with Shopify’s app library test vector', () => {
  /*
   * From Shopify's own app library, Shopify/shopify-app-js:
   *   packages/apps/shopify-api/lib/webhooks/__tests__/validate.test.ts, "returns true for valid
   *   request": rawBody '{"foo": "bar"}' signed with the test config's apiSecretKey gives hmac
   *   'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', with the headers of
   *   packages/apps/shopify-api/lib/webhooks/__tests__/utils.ts (topic products/create, webhook id
   *   123456789, shop1.myshopify.io, API version 2023-01);
   *   packages/apps/shopify-api/lib/__tests__/test-config.ts: apiSecretKey 'test_secret_key'.
   * https://github.com/Shopify/shopify-app-js/blob/main/packages/apps/shopify-api/lib/webhooks/__tests__/validate.test.ts
   */
  const LIBRARY_SECRET = 'test_secret_key';
  const LIBRARY_BODY = '{"foo": "bar"}';
  const LIBRARY_HMAC = 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=';
  const LIBRARY_HEADERS = {
    'x-shopify-api-version': '2023-01',
    'x-shopify-shop-domain': 'shop1.myshopify.io',
    'x-shopify-hmac-sha256': LIBRARY_HMAC,
    'x-shopify-topic': 'products/create',
    'x-shopify-webhook-id': '123456789',
  };
  const library = createShopifyProvider({ clientSecrets: [LIBRARY_SECRET] });

  it('signs the library’s body to the library’s hmac', () => {
    const headers = library.sign({
      rawBody: LIBRARY_BODY,
      timestamp: NOW,
      eventType: 'products/create',
    });
    expect(headers['x-shopify-hmac-sha256']).toBe(LIBRARY_HMAC);
  });

  it('accepts the library’s valid request, with what the library extracts from it', () => {
    const verified = library.verify({
      rawBody: LIBRARY_BODY,
      headers: LIBRARY_HEADERS,
      receivedAt: NOW,
    });
    expect(verified).toEqual({
      eventId: '123456789',
      eventType: 'products/create',
      // No x-shopify-triggered-at and no time in the body: the time of receipt.
      occurredAt: NOW.toISOString(),
      payload: { foo: 'bar' },
    });
  });

  it('rejects the library’s hmac for another body or another secret (its "invalid HMAC" case)', () => {
    expectSignatureError(
      () => library.verify({ rawBody: '{"foo":"bar"}', headers: LIBRARY_HEADERS, receivedAt: NOW }),
      'no_matching_signature',
    );
    expectSignatureError(
      () => provider.verify({ rawBody: LIBRARY_BODY, headers: LIBRARY_HEADERS, receivedAt: NOW }),
      'no_matching_signature',
    );
  });
});

describe('shopify provider', () => {
  it('is named shopify and keeps the webhook headers', () => {
    expect(provider.name).toBe('shopify');
    expect(provider.keptHeaders).toEqual(
      expect.arrayContaining([
        'x-shopify-hmac-sha256',
        'x-shopify-topic',
        'x-shopify-webhook-id',
        'x-shopify-triggered-at',
      ]),
    );
  });

  it('accepts a webhook with Shopify’s headers: id, topic, triggered-at (to the ms), payload', () => {
    const event = shopifyOrderEvent();
    const rawBody = JSON.stringify(event);

    const verified = provider.verify({
      rawBody,
      headers: shopifyHeaders(rawBody),
      receivedAt: NOW,
    });

    expect(verified).toEqual({
      eventId: WEBHOOK_ID,
      eventType: 'orders/create',
      occurredAt: '2023-03-29T18:00:27.877Z',
      payload: event,
    });
  });

  it('compares in constant time (node:crypto timingSafeEqual)', () => {
    const rawBody = body();
    provider.verify({ rawBody, headers: shopifyHeaders(rawBody), receivedAt: NOW });
    expect(timingSafeEqual).toHaveBeenCalled();
  });

  it('takes occurredAt from the body’s updated_at when there is no x-shopify-triggered-at', () => {
    const rawBody = body({
      created_at: '2025-05-01T09:00:00-04:00',
      updated_at: '2025-05-02T09:00:00-04:00',
    });
    const headers = shopifyHeaders(rawBody, { 'x-shopify-triggered-at': undefined });
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).occurredAt).toBe(
      '2025-05-02T13:00:00.000Z',
    );
  });

  it('treats an unreadable x-shopify-triggered-at (unsigned) as absent', () => {
    const rawBody = body({ updated_at: '2025-05-02T09:00:00-04:00' });
    const headers = shopifyHeaders(rawBody, { 'x-shopify-triggered-at': 'yesterday' });
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).occurredAt).toBe(
      '2025-05-02T13:00:00.000Z',
    );
  });

  it('signs exactly the headers Shopify sends and round-trips', () => {
    const rawBody = body();
    const headers = provider.sign({ rawBody, timestamp: NOW, eventType: 'orders/paid' });

    expect(Object.keys(headers).sort()).toEqual(
      [
        'content-type',
        'user-agent',
        'x-shopify-api-version',
        'x-shopify-event-id',
        'x-shopify-hmac-sha256',
        'x-shopify-shop-domain',
        'x-shopify-topic',
        'x-shopify-triggered-at',
        'x-shopify-webhook-id',
      ].sort(),
    );
    expect(headers).toMatchObject({
      'x-shopify-hmac-sha256': shopifyHmac(rawBody),
      'x-shopify-topic': 'orders/paid',
      'x-shopify-triggered-at': NOW.toISOString(),
      'x-shopify-shop-domain': expect.stringMatching(/\.myshopify\.com$/),
      'x-shopify-api-version': expect.stringMatching(/^\d{4}-\d{2}$/),
      'content-type': 'application/json',
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(headers['x-shopify-webhook-id']).toMatch(uuid);
    expect(headers['x-shopify-event-id']).toMatch(uuid);
    expect(headers['x-shopify-event-id']).not.toBe(headers['x-shopify-webhook-id']);

    expect(provider.verify({ rawBody, headers, receivedAt: NOW })).toMatchObject({
      eventId: headers['x-shopify-webhook-id'],
      eventType: 'orders/paid',
      occurredAt: NOW.toISOString(),
    });
  });

  it('signs with the given webhook id; re-signing it (a retry) keeps the event id too', () => {
    const custom = createShopifyProvider({
      clientSecrets: [SECRET],
      shopDomain: 'my-store.myshopify.com',
      apiVersion: '2025-10',
    });
    const input = {
      rawBody: body(),
      timestamp: NOW,
      eventId: WEBHOOK_ID,
      eventType: 'orders/paid',
    };
    const first = custom.sign(input);
    const retry = custom.sign({ ...input, timestamp: new Date(NOW.getTime() + 60_000) });
    expect(first).toMatchObject({
      'x-shopify-webhook-id': WEBHOOK_ID,
      'x-shopify-shop-domain': 'my-store.myshopify.com',
      'x-shopify-api-version': '2025-10',
    });
    expect(retry['x-shopify-event-id']).toBe(first['x-shopify-event-id']);
  });

  it.each([undefined, '', 'orders', 'Orders/Create', 'orders/create; x'])(
    'refuses to sign without a topic (%j): Shopify sends it in a header',
    (eventType) => {
      const err = captureError(() =>
        provider.sign({ rawBody: body(), timestamp: NOW, ...(eventType ? { eventType } : {}) }),
      );
      expect(err).toBeInstanceOf(InvalidEventError);
      expect(err.message).toMatch(/eventType/);
    },
  );

  it('rejects a tampered body and asks whether the raw body is being passed', () => {
    const rawBody = body();
    const headers = shopifyHeaders(rawBody);
    const tampered = rawBody.replace('"59.99"', '"0.01"');
    expect(tampered).not.toBe(rawBody);

    const err = expectSignatureError(
      () => provider.verify({ rawBody: tampered, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
    expect(err.message).toMatch(/raw request body/);
  });

  it('rejects a re-serialised body (same JSON, different bytes)', () => {
    const rawBody = body();
    const headers = shopifyHeaders(rawBody);
    const pretty = JSON.stringify(JSON.parse(rawBody), null, 2);
    expectSignatureError(
      () => provider.verify({ rawBody: pretty, headers, receivedAt: NOW }),
      'no_matching_signature',
    );
  });

  it('rejects a signature made with another secret', () => {
    const rawBody = body();
    expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: shopifyHeaders(rawBody, {}, WRONG_SECRET),
          receivedAt: NOW,
        }),
      'no_matching_signature',
    );
  });

  it('accepts a payload signed with the second of two secrets (rotation), signs with the first', () => {
    const rotating = createShopifyProvider({ clientSecrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();

    const verified = rotating.verify({
      rawBody,
      headers: shopifyHeaders(rawBody, {}, ROTATED_SECRET),
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(WEBHOOK_ID);
    expect(
      rotating.sign({ rawBody, timestamp: NOW, eventType: 'orders/create' })[
        'x-shopify-hmac-sha256'
      ],
    ).toBe(shopifyHmac(rawBody, SECRET));
  });

  it('rejects a request without x-shopify-hmac-sha256', () => {
    const rawBody = body();
    const err = expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: shopifyHeaders(rawBody, { 'x-shopify-hmac-sha256': undefined }),
          receivedAt: NOW,
        }),
      'missing_header',
    );
    expect(err.message).toContain('x-shopify-hmac-sha256');
    expect(err.context.missing).toEqual(['x-shopify-hmac-sha256']);
  });

  it.each([
    ['a hex digest', createHmac('sha256', SECRET).update('x').digest('hex')],
    ['a truncated digest', shopifyHmac('x').slice(0, 20)],
    ['base64url characters', shopifyHmac('x').replace(/./, '_')],
    ['two digests', `${shopifyHmac('x')},${shopifyHmac('y')}`],
  ])('rejects %s as malformed, before any comparison', (_, hmac) => {
    const rawBody = body();
    expectSignatureError(
      () =>
        provider.verify({
          rawBody,
          headers: shopifyHeaders(rawBody, { 'x-shopify-hmac-sha256': hmac }),
          receivedAt: NOW,
        }),
      'malformed_header',
    );
    expect(timingSafeEqual).not.toHaveBeenCalled();
  });

  it('falls back to x-shopify-event-id when there is no x-shopify-webhook-id', () => {
    const rawBody = body();
    const headers = shopifyHeaders(rawBody, { 'x-shopify-webhook-id': undefined });
    expect(provider.verify({ rawBody, headers, receivedAt: NOW }).eventId).toBe(
      '98880550-7158-44d4-b7cd-2c97c8a091b5',
    );
  });

  it.each([
    [
      'no webhook or event id',
      { 'x-shopify-webhook-id': undefined, 'x-shopify-event-id': undefined },
      'x-shopify-webhook-id (or x-shopify-event-id)',
    ],
    ['no topic', { 'x-shopify-topic': undefined }, 'x-shopify-topic'],
    ['an empty topic', { 'x-shopify-topic': '' }, 'x-shopify-topic'],
  ])('throws InvalidEventError for a verified webhook with %s', (_, overrides, missing) => {
    const rawBody = body();
    const err = captureError(() =>
      provider.verify({ rawBody, headers: shopifyHeaders(rawBody, overrides), receivedAt: NOW }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toContain(missing);
  });

  it.each([
    ['not JSON', 'this is not json', {}],
    ['a JSON array', '[1,2,3]', {}],
    ['from a topic that is no topic', body(), { 'x-shopify-topic': 'orders create' }],
    ['from a webhook id with control characters', body(), { 'x-shopify-webhook-id': 'a\nb' }],
  ])('throws InvalidEventError for a verified webhook that is %s', (_, rawBody, overrides) => {
    const err = captureError(() =>
      provider.verify({ rawBody, headers: shopifyHeaders(rawBody, overrides), receivedAt: NOW }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/Shopify/);
  });

  it('has no replay window (Shopify signs no time): an old triggered-at is accepted as sent', () => {
    // Shopify retries a failed delivery for up to 48 hours with the same webhook id and time.
    const rawBody = body();
    const headers = shopifyHeaders(rawBody, { 'x-shopify-triggered-at': '2025-05-30T12:00:00Z' });
    const verified = provider.verify({ rawBody, headers, receivedAt: NOW });
    expect(verified).toMatchObject({ eventId: WEBHOOK_ID, occurredAt: '2025-05-30T12:00:00.000Z' });
  });

  it('never puts a secret in an error message or context', () => {
    const rotating = createShopifyProvider({ clientSecrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    const failures: Array<Record<string, string | undefined>> = [
      {},
      shopifyHeaders(rawBody, { 'x-shopify-hmac-sha256': 'garbage' }),
      shopifyHeaders(rawBody, {}, WRONG_SECRET),
      shopifyHeaders(rawBody, { 'x-shopify-topic': undefined }),
    ];
    const errors = failures.map((headers) =>
      captureError(() => rotating.verify({ rawBody, headers, receivedAt: NOW })),
    );
    errors.push(
      captureError(() =>
        rotating.verify({ rawBody: 'nope', headers: shopifyHeaders('nope'), receivedAt: NOW }),
      ),
    );
    for (const err of errors) {
      const text = `${err.message}\n${JSON.stringify((err as SignatureVerificationError).context)}`;
      for (const secret of [SECRET, ROTATED_SECRET]) expect(text).not.toContain(secret);
    }
  });

  it('refuses to start without a usable client secret', () => {
    expect(() => createShopifyProvider({ clientSecrets: [] })).toThrow(ConfigurationError);
    expect(() => createShopifyProvider({ clientSecrets: [''] })).toThrow(ConfigurationError);
  });
});
