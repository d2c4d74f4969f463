import { createHash, createHmac } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../emulator/local-aws.js';
import { PROVIDER_REGISTRY } from '../services/providers/registry.js';
import { createS3PayloadStore } from '../services/webhooks/s3-payload-store.js';
import { readWebhookBody } from '../services/webhooks/webhook-body.js';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import { MAX_EVENT_BODY_BYTES } from '../stack/profile.js';
import { githubCatalogue } from '../tools/signing-proxy/catalogue/github.js';
import { shopifyCatalogue } from '../tools/signing-proxy/catalogue/shopify.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { signedHeaders } from '../tools/signing-proxy/signed-request.js';
import { cliAgainst } from './support/operator-cli.js';
import { TARGET } from './support/target.js';
import { eventually, startTestStack, type TestStack } from './support/test-stack.js';

/*
 * Large payloads through the claim check, and exact bytes, on the embedded stack (GitHub and
 * Shopify are configured in the local profile; the bucket is read through fauxqs): real-shaped
 * events of 5 MB, 1 MB and 300 KB captured, processed, shown whole, replayed and redriven; the
 * size limit; a body that is not UTF-8; a duplicate that writes no second object.
 */

let stack: TestStack;
let s3: S3Client;

beforeAll(async () => {
  stack = await startTestStack();
  s3 = new S3Client({ ...localClientConfig(stack.emulator.endpoints.sqs), forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

const isFinal = (s: { status: string }) => s.status === 'completed' || s.status === 'dead';
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

const cli = cliAgainst(() => stack.emulator.endpoints.api);

async function objectsOf(id: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({
      Bucket: stack.emulator.outputs.PayloadBucketName!,
      Prefix: `webhooks/${id}/`,
    }),
  );
  return Contents.map((o) => o.Key!);
}

/** Repeats `items` until the JSON of `body` is at least `bytes` long (a real sender's list grows). */
function grow<T>(body: Record<string, unknown>, items: T[], make: (i: number) => T, bytes: number) {
  for (let i = 0; Buffer.byteLength(JSON.stringify(body)) < bytes; i++) {
    for (let k = 0; k < 50; k++) items.push(make(i * 50 + k));
  }
  return JSON.stringify(body);
}

/** A GitHub push of about 5 MB: many commits, each touching many files. */
async function largeGithubPush() {
  const { body, eventId } = githubCatalogue.events.push!.build();
  const push = body as { commits: Array<Record<string, unknown>> };
  const template = push.commits[0]!;
  const rawBody = grow(
    push,
    push.commits,
    (i) => ({
      ...template,
      id: sha256(`commit-${i}`).slice(0, 40),
      message: `Regenerate fixtures, part ${i}`,
      modified: Array.from({ length: 40 }, (_, f) => `fixtures/generated/part-${i}/file-${f}.json`),
    }),
    5 * 1024 * 1024,
  );
  return {
    rawBody,
    headers: await signedHeaders('github', rawBody, { eventType: 'push', eventId }),
  };
}

/** A Shopify order of about 1 MB: many line items. */
function largeShopifyOrder() {
  const { body, eventId } = shopifyCatalogue.events['orders/create']!.build();
  const order = body as { line_items: Array<Record<string, unknown>> };
  const line = order.line_items[0]!;
  const rawBody = grow(
    order,
    order.line_items,
    (i) => ({ ...line, id: 10_000_000 + i, sku: `WH-TEE-${i}`, name: `Webhook T-shirt ${i}` }),
    1024 * 1024,
  );
  return {
    rawBody,
    headers: signedHeaders('shopify', rawBody, { eventType: 'orders/create', eventId }),
  };
}

/** A Stripe event of about 300 KB. */
function largeStripeEvent() {
  const event = stripeEvent();
  event.data.object.metadata = { note: 'n'.repeat(300 * 1024) };
  const rawBody = JSON.stringify(event);
  return { rawBody, headers: signedHeaders('stripe', rawBody) };
}

const LARGE = [
  ['a 5 MB GitHub push', 'github', largeGithubPush],
  ['a 1 MB Shopify order', 'shopify', largeShopifyOrder],
  ['a 300 KB Stripe event', 'stripe', largeStripeEvent],
] as const;

describe.runIf(TARGET.localProcesses)('large payloads through the claim check', () => {
  it.each(LARGE)(
    '%s: 202, one object in the bucket, processed, and `show` prints it whole with its SHA-256',
    async (_, provider, make) => {
      const { rawBody, headers } = await make();
      const response = await stack.post(provider, rawBody, headers);
      expect(response.status).toBe(202);
      const id = response.body.id;
      const done = await stack.waitForState(id, isFinal, 60_000);
      expect(done).toMatchObject({ status: 'completed', attempts: 1 });

      expect(await objectsOf(id)).toEqual([`webhooks/${id}/${sha256(rawBody)}`]);
      const shown = await cli('show', id, '--json');
      expect(shown.code).toBe(0);
      expect(shown.json.body).toEqual({
        size: Buffer.byteLength(rawBody),
        sha256: sha256(rawBody),
        location: 's3',
      });
      expect(JSON.stringify(shown.json.payload)).toBe(rawBody);
    },
    180_000,
  );

  it('a duplicate of a large webhook: 200 duplicate, and still one object in the bucket', async () => {
    const { rawBody, headers } = largeShopifyOrder();
    const first = await stack.post('shopify', rawBody, headers);
    expect(first.status).toBe(202);
    const again = await stack.post('shopify', rawBody, headers);
    expect(again).toEqual({ status: 200, body: { id: first.body.id, duplicate: true } });
    expect(await objectsOf(first.body.id)).toHaveLength(1);
  }, 120_000);

  it('replays a completed large webhook and redrives a dead one: both read the body from the bucket', async () => {
    const { rawBody, headers } = largeStripeEvent();
    const response = await stack.post('stripe', rawBody, headers);
    const id = response.body.id;
    await stack.waitForState(id, isFinal, 60_000);
    const replayed = await cli('replay', id, '--json');
    expect(replayed.code).toBe(0);
    await eventually(async () => {
      const state = await stack.store.ledger.getState(id);
      return state?.status === 'completed' && state.attempts === 2 ? state : undefined;
    }, 60_000);

    // Three failing attempts make it dead; the redrive's attempt succeeds.
    const dying = largeStripeEvent();
    const sent = await stack.post('stripe', dying.rawBody, {
      ...dying.headers,
      'x-fault-fail-attempts': '3',
    });
    const deadId = sent.body.id;
    expect(await stack.waitForState(deadId, isFinal, 60_000)).toMatchObject({ status: 'dead' });
    const redriven = await cli('redrive', deadId, '--json');
    expect(redriven.code).toBe(0);
    const final = await eventually(async () => {
      const state = await stack.store.ledger.getState(deadId);
      return state?.status === 'completed' ? state : undefined;
    }, 60_000);
    expect(final.attempts).toBe(4);
  }, 240_000);
});

describe.runIf(TARGET.localProcesses)('the size limit and exact bytes', () => {
  it('answers a body over what an invocation leaves for it 413 payload_too_large, in our error shape, and stores nothing', async () => {
    // Over MAX_EVENT_BODY_BYTES but with its envelope still inside 6 MB: capture itself refuses it.
    const event = stripeEvent();
    event.data.object.metadata = { note: 'x'.repeat(MAX_EVENT_BODY_BYTES + 2_000 - 1_500) };
    const rawBody = JSON.stringify(event);
    expect(Buffer.byteLength(rawBody)).toBeGreaterThan(MAX_EVENT_BODY_BYTES);
    const response = await stack.post('stripe', rawBody, signedHeaders('stripe', rawBody));
    expect(response).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const rejected = await eventually(async () =>
      stack.logs.find((l) => l.event === 'capture.rejected' && l.errorCode === 'payload_too_large'),
    );
    expect(rejected).toMatchObject({ status: 413 });
    expect(await stack.store.ledger.getState(deriveWebhookId('stripe', event.id))).toBeUndefined();

    // Over the 6 MB invocation limit: the gateway answers, before any function runs.
    const huge = `{"id":"evt_huge","pad":"${'y'.repeat(7 * 1024 * 1024)}"}`;
    const refused = await stack.post('stripe', huge, signedHeaders('stripe', huge));
    expect(refused).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  }, 120_000);

  it('takes a Shopify body that is not UTF-8, signed over its raw bytes: 202, and the stored bytes are the sent bytes', async () => {
    const { body, eventId } = shopifyCatalogue.events['orders/create']!.build();
    const json = JSON.stringify(body);
    // A Latin-1 é (0xE9) in the note: not UTF-8.
    const bytes = Buffer.concat([
      Buffer.from(json.slice(0, -1), 'utf8'),
      Buffer.from(',"note":"caf\xe9"}', 'latin1'),
    ]);
    const secret = PROVIDER_REGISTRY.shopify.secret.localDefault;
    const headers = {
      ...signedHeaders('shopify', json, { eventType: 'orders/create', eventId }),
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(bytes).digest('base64'),
      // Not a text type: API Gateway and function URLs hand such a body over base64-encoded.
      'content-type': 'application/octet-stream',
    };
    const response = await stack.fetch(`${stack.apiUrl}/api/webhooks/shopify`, {
      method: 'POST',
      body: bytes,
      headers,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const stored = await stack.store.ledger.getWebhook(id);
    const read = await readWebhookBody(
      stored!,
      createS3PayloadStore(s3, stack.emulator.outputs.PayloadBucketName!),
    );
    expect(read.equals(bytes)).toBe(true);
    expect(stored?.body).toMatchObject({ size: bytes.byteLength, sha256: sha256(bytes) });
    const shown = await cli('show', id, '--json');
    expect(Buffer.from(shown.json.payloadBase64, 'base64').equals(bytes)).toBe(true);
    expect(await stack.waitForState(id, isFinal, 60_000)).toMatchObject({ status: 'completed' });
  }, 120_000);
});
