import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildHttpApiEvent } from '../../../emulator/http-api-event.js';
import { captureRequestBody } from '../../../services/handlers/capture.js';
import { payloadReader } from '../../../services/processing/run-handler.js';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';
import { createProviders, PROVIDER_REGISTRY } from '../../../services/providers/registry.js';
import { StorageUnavailableError } from '../../../services/shared/errors.js';
import { toHttpError } from '../../../services/shared/http-errors.js';
import {
  type CaptureDependencies,
  captureWebhook,
} from '../../../services/webhooks/capture-webhook.js';
import { processAttempt } from '../../../services/webhooks/process-webhook.js';
import {
  type PayloadStore,
  payloadKey,
  readWebhookBody,
} from '../../../services/webhooks/webhook-body.js';
import { deriveWebhookId } from '../../../services/webhooks/webhook-id.js';
import { sha256 } from '../../../services/webhooks/webhook-ledger.js';
import { MAX_EVENT_BODY_BYTES } from '../../../stack/profile.js';
import { shopifyOrderEvent, stripeEvent } from '../../../tools/signing-proxy/events.js';
import { signedHeaders } from '../../../tools/signing-proxy/signed-request.js';
import { requestBody } from '../../helpers/capture-request.js';
import { FakeFailedQueue } from '../../helpers/fake-failed-queue.js';
import { inMemoryProcessDependencies } from '../../helpers/in-memory-process-dependencies.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';

/*
 * The claim check's decisions, on the in-memory ledger and a payload store in a map (a pure unit
 * test; tests/integration/payload-store.test.ts runs the S3 store against fauxqs): where a body
 * goes, what a failure on either side leaves behind, and how processing meets a body it cannot
 * read.
 */

class MapPayloadStore implements PayloadStore {
  readonly objects = new Map<string, Uint8Array>();
  failPuts = false;
  failGets = false;
  puts = 0;
  async put(key: string, bytes: Uint8Array) {
    this.puts++;
    if (this.failPuts) throw new Error('S3 is down');
    this.objects.set(key, new Uint8Array(bytes));
  }
  async get(key: string) {
    if (this.failGets) throw new Error('S3 is down');
    const bytes = this.objects.get(key);
    if (!bytes)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return bytes;
  }
}

const INLINE_MAX = 64 * 1024;
const providers = createProviders({
  stripe: [PROVIDER_REGISTRY.stripe.secret.localDefault],
  bigcommerce: [PROVIDER_REGISTRY.bigcommerce.secret.localDefault],
  shopify: [PROVIDER_REGISTRY.shopify.secret.localDefault],
});

function setup() {
  const ledger = new InMemoryWebhookLedger();
  const store = new MapPayloadStore();
  const deps: CaptureDependencies = {
    providers,
    ledger,
    maxPayloadBytes: MAX_EVENT_BODY_BYTES,
    claimCheck: { store, inlineMaxBytes: INLINE_MAX },
    faultInjection: false,
  };
  return { ledger, store, deps };
}

/** A signed Stripe event of about `bytes` bytes of JSON. */
function stripeOfSize(bytes: number) {
  const event = stripeEvent();
  event.data.object.metadata = { note: 'x'.repeat(Math.max(0, bytes - 1200)) };
  const rawBody = JSON.stringify(event);
  return { event, rawBody, headers: signedHeaders('stripe', rawBody) };
}

function capture(deps: CaptureDependencies, rawBody: string, headers: Record<string, string>) {
  return captureWebhook(deps, {
    provider: 'stripe',
    ...requestBody(rawBody),
    headers,
    receivedAt: new Date(),
  });
}

describe('where capture keeps a body', () => {
  it('keeps a body up to the threshold inline, with its size and SHA-256, and writes no object', async () => {
    const { ledger, store, deps } = setup();
    const { rawBody, headers } = stripeOfSize(2_000);
    const { id } = await capture(deps, rawBody, headers);
    const stored = await ledger.getWebhook(id);
    expect(stored?.body).toMatchObject({
      location: 'inline',
      size: Buffer.byteLength(rawBody),
      sha256: sha256(rawBody),
    });
    expect(store.puts).toBe(0);
    expect((await readWebhookBody(stored!, undefined)).toString('utf8')).toBe(rawBody);
  });

  it('puts a body over the threshold in the bucket under its id and SHA-256, and keeps the pointer', async () => {
    const { ledger, store, deps } = setup();
    const { rawBody, headers } = stripeOfSize(300_000);
    const { id } = await capture(deps, rawBody, headers);
    const stored = await ledger.getWebhook(id);
    const key = payloadKey(id, sha256(rawBody));
    expect(key).toBe(`webhooks/${id}/${sha256(rawBody)}`);
    expect(stored?.body).toEqual({
      location: 's3',
      key,
      size: Buffer.byteLength(rawBody),
      sha256: sha256(rawBody),
    });
    expect([...store.objects.keys()]).toEqual([key]);
    expect((await readWebhookBody(stored!, store)).toString('utf8')).toBe(rawBody);
  });

  it('answers a duplicate of a large webhook as a duplicate, with still one object', async () => {
    const { store, deps } = setup();
    const { rawBody, headers } = stripeOfSize(300_000);
    const first = await capture(deps, rawBody, headers);
    const again = await capture(deps, rawBody, headers);
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(again.conflict).toBeUndefined();
    expect(store.objects.size).toBe(1);
  });

  it('never lets a copy with another body overwrite the stored one: the first body still reads back', async () => {
    const { ledger, store, deps } = setup();
    const { event, rawBody, headers } = stripeOfSize(300_000);
    const { id } = await capture(deps, rawBody, headers);
    const otherBody = JSON.stringify({ ...event, livemode: true });
    const other = await capture(deps, otherBody, signedHeaders('stripe', otherBody));
    expect(other).toMatchObject({ id, duplicate: true, conflict: { conflicts: 1 } });
    const stored = await ledger.getWebhook(id);
    expect((await readWebhookBody(stored!, store)).toString('utf8')).toBe(rawBody);
  });
});

describe('failures on either side lose nothing', () => {
  it('a failed bucket write answers 503 storage_unavailable and leaves nothing in the table', async () => {
    const { ledger, store, deps } = setup();
    store.failPuts = true;
    const { event, rawBody, headers } = stripeOfSize(300_000);
    const error = await capture(deps, rawBody, headers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(toHttpError(error)).toMatchObject({
      statusCode: 503,
      body: { error: { code: 'storage_unavailable' } },
    });
    expect(await ledger.getWebhook(deriveWebhookId('stripe', event.id))).toBeUndefined();
  });

  it('a failed table write after the object answers 503; the retry writes the same key and stores the webhook', async () => {
    const { ledger, store, deps } = setup();
    const { rawBody, headers } = stripeOfSize(300_000);
    const failing = {
      ...deps,
      ledger: {
        create: async () => {
          throw new StorageUnavailableError('The webhook could not be stored.');
        },
      },
    };
    const error = await capture(failing, rawBody, headers).catch((e: unknown) => e);
    expect(toHttpError(error).statusCode).toBe(503);
    expect(store.objects.size).toBe(1);

    const { id, duplicate } = await capture(deps, rawBody, headers);
    expect(duplicate).toBe(false);
    expect(store.objects.size).toBe(1);
    expect((await readWebhookBody((await ledger.getWebhook(id))!, store)).toString()).toBe(rawBody);
  });
});

describe('the size limit: what a 6 MB invocation leaves for the body', () => {
  it('takes a 5 MB JSON body, which the event carries as text', async () => {
    const { deps } = setup();
    const { rawBody, headers } = stripeOfSize(5_000_000);
    await expect(capture(deps, rawBody, headers)).resolves.toMatchObject({ duplicate: false });
  });

  it('refuses a body whose base64 in the event is over the limit 413 payload_too_large, before verifying', async () => {
    const { store, deps } = setup();
    const bytes = Buffer.alloc(Math.floor((MAX_EVENT_BODY_BYTES * 3) / 4) + 3, 0x61);
    const error = await captureWebhook(deps, {
      provider: 'stripe',
      body: bytes,
      eventBodyBytes: Math.ceil(bytes.byteLength / 3) * 4,
      headers: {},
      receivedAt: new Date(),
    }).catch((e: unknown) => e);
    expect(toHttpError(error)).toMatchObject({
      statusCode: 413,
      body: { error: { code: 'payload_too_large' } },
    });
    expect(store.puts).toBe(0);
  });
});

describe('exact bytes', () => {
  const shopifySecret = PROVIDER_REGISTRY.shopify.secret.localDefault;

  /** A Shopify order whose note is Latin-1 (0xE9): not UTF-8, signed over its raw bytes. */
  function latin1Order() {
    const json = JSON.stringify(shopifyOrderEvent());
    const bytes = Buffer.concat([
      Buffer.from(json.slice(0, -1), 'utf8'),
      Buffer.from(',"note":"caf\xe9"}', 'latin1'),
    ]);
    const webhookId = randomUUID();
    const headers = {
      ...signedHeaders('shopify', json, { eventId: webhookId, eventType: 'orders/create' }),
      'x-shopify-hmac-sha256': createHmac('sha256', shopifySecret).update(bytes).digest('base64'),
    };
    return { bytes, headers };
  }

  it('decodes a base64 event body to its bytes, not to text', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const event = buildHttpApiEvent(
      {
        method: 'POST',
        url: '/api/webhooks/shopify',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
        pathParameters: { provider: 'shopify' },
        sourceIp: '127.0.0.1',
      },
      { routeKey: 'POST /api/webhooks/{provider}', apiId: 'api', accountId: '000000000000' },
    );
    const { body, eventBodyBytes } = captureRequestBody(event);
    expect(body.equals(bytes)).toBe(true);
    expect(eventBodyBytes).toBe(event.body!.length);
  });

  it('verifies a body that is not UTF-8 over its bytes (Shopify) and stores exactly those bytes', async () => {
    const { ledger, deps } = setup();
    const { bytes, headers } = latin1Order();
    const { id } = await captureWebhook(deps, {
      provider: 'shopify',
      body: bytes,
      eventBodyBytes: Math.ceil(bytes.byteLength / 3) * 4,
      headers,
      receivedAt: new Date(),
    });
    const stored = await ledger.getWebhook(id);
    expect((await readWebhookBody(stored!, undefined)).equals(bytes)).toBe(true);
    expect(stored?.body.sha256).toBe(sha256(bytes));
  });

  it('answers a body that is not UTF-8 401 not_utf8 where the official library verifies text (Stripe)', async () => {
    const { deps } = setup();
    const bytes = Buffer.from('{"id":"evt_1","note":"caf\xe9"}', 'latin1');
    const error = await captureWebhook(deps, {
      provider: 'stripe',
      body: bytes,
      eventBodyBytes: 40,
      headers: { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      receivedAt: new Date(),
    }).catch((e: unknown) => e);
    expect(toHttpError(error).statusCode).toBe(401);
    expect((error as { context: { reason: string } }).context.reason).toBe('not_utf8');
  });
});

describe('processing a claim-checked body', () => {
  async function capturedLarge() {
    const { ledger, store, deps } = setup();
    const { rawBody, headers } = stripeOfSize(300_000);
    const { id } = await capture(deps, rawBody, headers);
    const seen: Buffer[] = [];
    const failedQueue = new FakeFailedQueue();
    const read = payloadReader(store);
    const processDeps = inMemoryProcessDependencies({
      ledger,
      failedQueue,
      handlers: webhookHandlers().fallback('stripe', async () => {}),
      // What processing reads, through the one reader (inline or claim-checked alike).
      readPayload: async (webhook) => {
        const text = await read(webhook);
        seen.push(Buffer.from(text, 'utf8'));
        return text;
      },
    });
    return { id, rawBody, store, ledger, failedQueue, seen, processDeps };
  }

  it('hands processing the bytes that were signed', async () => {
    const { id, rawBody, ledger, seen, processDeps } = await capturedLarge();
    const report = await processAttempt(processDeps, (await ledger.getWebhook(id))!, {
      source: 'stream',
    });
    expect(report).toMatchObject({ ack: true, result: 'completed' });
    expect(seen[0]!.toString('utf8')).toBe(rawBody);
  });

  it('fails as transient when the body cannot be read, then is dead with payload_unavailable', async () => {
    const { id, store, ledger, failedQueue, seen, processDeps } = await capturedLarge();
    store.objects.clear();
    const webhook = (await ledger.getWebhook(id))!;
    const first = await processAttempt(processDeps, webhook, { source: 'stream' });
    expect(first).toMatchObject({ ack: true, result: 'failed', attempt: 1 });
    expect((await ledger.getState(id))?.lastError).toMatchObject({
      code: 'payload_unavailable',
      kind: 'transient',
    });
    const queueToken = failedQueue.tokensOf(id)[0]!;
    const trigger = (receiveCount: number) => ({
      source: 'queue' as const,
      receiveCount,
      maxReceiveCount: 2,
      queueToken,
      receiptHandle: `receipt-${receiveCount}`,
    });
    expect(await processAttempt(processDeps, webhook, trigger(1))).toMatchObject({
      result: 'failed',
    });
    expect(await processAttempt(processDeps, webhook, trigger(2))).toMatchObject({
      result: 'dead',
    });
    const state = await ledger.getState(id);
    expect(state).toMatchObject({ status: 'dead', lastError: { code: 'payload_unavailable' } });
    expect(state?.lastError?.message).toContain('could not be read from the payload bucket');
    expect(seen).toEqual([]);
  });

  it('refuses an object that is not the recorded body (size or SHA-256) as unavailable', async () => {
    const { id, store, ledger } = await capturedLarge();
    const webhook = (await ledger.getWebhook(id))!;
    if (webhook.body.location !== 's3') throw new Error('expected a claim check');
    store.objects.set(webhook.body.key, new TextEncoder().encode('{"tampered":true}'));
    await expect(readWebhookBody(webhook, store)).rejects.toMatchObject({
      code: 'payload_unavailable',
    });
  });
});
