import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import { createProviders, PROVIDER_REGISTRY } from '../../services/providers/registry.js';
import { captureWebhook } from '../../services/webhooks/capture-webhook.js';
import { createS3PayloadStore } from '../../services/webhooks/s3-payload-store.js';
import { type PayloadStore, readWebhookBody } from '../../services/webhooks/webhook-body.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';
import { MAX_EVENT_BODY_BYTES } from '../../stack/profile.js';
import { stripeEvent } from '../../tools/signing-proxy/events.js';
import { signedHeaders } from '../../tools/signing-proxy/signed-request.js';
import { requestBody } from '../helpers/capture-request.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';

/*
 * The claim check's real path: the bucket the emulator provisioned from the template in fauxqs's
 * S3, and the table in DynamoDB Local. (The decisions on failures are unit-tested in
 * tests/unit/webhooks/claim-check.test.ts.)
 */

let storage: LocalStorage;
let s3: S3Client;
let store: PayloadStore;

beforeAll(async () => {
  storage = await startLocalStorage();
  s3 = new S3Client({ ...localClientConfig(storage.emulator.endpoints.sqs), forcePathStyle: true });
  store = createS3PayloadStore(s3, storage.emulator.outputs.PayloadBucketName!);
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  await storage?.stop();
});

describe('the payload bucket in fauxqs', () => {
  it('keeps the bytes of an object exactly, however they are encoded', async () => {
    const bytes = Buffer.from([0x00, 0xe9, 0xff, 0x7b, 0x0a, 0x80]);
    await store.put('webhooks/exact/bytes', bytes);
    expect(Buffer.from(await store.get('webhooks/exact/bytes')).equals(bytes)).toBe(true);
  });

  it('answers a missing object with an error, which readWebhookBody reports as payload_unavailable', async () => {
    await expect(store.get('webhooks/none/such')).rejects.toThrow();
    await expect(
      readWebhookBody(
        { id: 'none', body: { location: 's3', key: 'webhooks/none/such', size: 1, sha256: 'x' } },
        store,
      ),
    ).rejects.toMatchObject({ code: 'payload_unavailable' });
  });

  it('captures a 1 MB event into the bucket and the table, and reads it back byte for byte', async () => {
    const event = stripeEvent();
    event.data.object.metadata = { note: 'z'.repeat(1024 * 1024) };
    const rawBody = JSON.stringify(event);
    const { id } = await captureWebhook(
      {
        providers: createProviders({
          stripe: [PROVIDER_REGISTRY.stripe.secret.localDefault],
          bigcommerce: [PROVIDER_REGISTRY.bigcommerce.secret.localDefault],
        }),
        ledger: storage.store().ledger,
        maxPayloadBytes: MAX_EVENT_BODY_BYTES,
        claimCheck: { store, inlineMaxBytes: 64 * 1024 },
        faultInjection: false,
      },
      {
        provider: 'stripe',
        ...requestBody(rawBody),
        headers: signedHeaders('stripe', rawBody),
        receivedAt: new Date(),
      },
    );
    const stored = await storage.store().ledger.getWebhook(id);
    expect(stored?.body).toEqual({
      location: 's3',
      key: `webhooks/${id}/${sha256(rawBody)}`,
      size: Buffer.byteLength(rawBody),
      sha256: sha256(rawBody),
    });
    expect((await readWebhookBody(stored!, store)).toString('utf8')).toBe(rawBody);
  });
});
