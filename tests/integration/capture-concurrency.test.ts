import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import { createProviders, PROVIDER_REGISTRY } from '../../services/providers/registry.js';
import { EventTooLargeError, StorageUnavailableError } from '../../services/shared/errors.js';
import { toHttpError } from '../../services/shared/http-errors.js';
import {
  type CaptureDependencies,
  captureWebhook,
} from '../../services/webhooks/capture-webhook.js';
import { DynamoDBWebhookLedger } from '../../services/webhooks/dynamodb-webhook-ledger.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';
import {
  PARTITION_KEY,
  SORT_KEY,
  STATUS_SORT_KEY,
  statusKey,
  WEBHOOK_SORT_KEY,
} from '../../stack/table-schema.js';
import { bigcommerceEvent, stripeEvent } from '../../tools/signing-proxy/events.js';
import { signedHeaders } from '../../tools/signing-proxy/signed-request.js';
import { requestBody } from '../helpers/capture-request.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';

let storage: LocalStorage;
let deps: CaptureDependencies;
const providers = createProviders({
  stripe: [PROVIDER_REGISTRY.stripe.secret.localDefault],
  bigcommerce: [PROVIDER_REGISTRY.bigcommerce.secret.localDefault],
});

beforeAll(async () => {
  storage = await startLocalStorage();
  deps = {
    providers,
    ledger: storage.store().ledger,
    maxPayloadBytes: 256 * 1024,
    faultInjection: false,
  };
});
afterAll(async () => {
  await storage?.stop();
});

async function itemsOf(id: string) {
  const { Items = [] } = await storage.documentClient.send(
    new QueryCommand({
      TableName: storage.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      ExpressionAttributeValues: { ':pk': statusKey(id).PK },
      ConsistentRead: true,
    }),
  );
  return Items;
}

describe('capture against DynamoDB Local', () => {
  it.each(['stripe', 'bigcommerce'] as const)(
    '20 concurrent captures of one %s event store one webhook: one created, 19 duplicates',
    async (provider) => {
      const rawBody = JSON.stringify(provider === 'stripe' ? stripeEvent() : bigcommerceEvent());
      const headers = signedHeaders(provider, rawBody);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          captureWebhook(deps, {
            provider,
            ...requestBody(rawBody),
            headers,
            receivedAt: new Date(),
          }),
        ),
      );
      const ids = new Set(results.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(results.filter((r) => r.duplicate)).toHaveLength(19);

      const [id] = [...ids] as [string];
      const items = await itemsOf(id);
      expect(items.map((i) => i[SORT_KEY]).sort()).toEqual(
        [STATUS_SORT_KEY, WEBHOOK_SORT_KEY].sort(),
      );
      expect(items.find((i) => i[SORT_KEY] === STATUS_SORT_KEY)).toMatchObject({
        status: 'received',
        attempts: 0,
        version: 1,
      });
      expect(items.find((i) => i[SORT_KEY] === WEBHOOK_SORT_KEY)).toMatchObject({
        payloadSha256: sha256(rawBody),
        payloadSize: Buffer.byteLength(rawBody),
        provider,
      });
    },
  );

  it('a duplicate days later keeps the first copy untouched', async () => {
    const rawBody = JSON.stringify(stripeEvent());
    const headers = signedHeaders('stripe', rawBody);
    const first = await captureWebhook(deps, {
      provider: 'stripe',
      ...requestBody(rawBody),
      headers,
      receivedAt: new Date(),
    });
    const before = await itemsOf(first.id);
    // Re-signed now, as Stripe does on each retry; received three days later.
    const later = new Date(Date.now() + 3 * 86_400_000);
    const laterDeps = { ...deps, ledger: storage.store({ now: () => later }).ledger };
    const again = await captureWebhook(laterDeps, {
      provider: 'stripe',
      ...requestBody(rawBody),
      headers: signedHeaders('stripe', rawBody, { timestamp: later }),
      receivedAt: later,
    });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(await itemsOf(first.id)).toEqual(before);
  });

  it.each([
    // The body (under 256 KiB) and the type or id taken out of it, together over 400 KB.
    ['a 205 KB type', { type: `payment_intent.${'x'.repeat(205_000)}` }, 0],
  ])(
    'answers a signed event too large for one item (%s) 413 event_too_large, not 503, and stores nothing',
    async (_, overrides, padding) => {
      const event = stripeEvent(overrides);
      event.data.object.metadata = { note: 'y'.repeat(padding) };
      const rawBody = JSON.stringify(event);
      expect(Buffer.byteLength(rawBody)).toBeLessThan(256 * 1024);
      const error = await captureWebhook(deps, {
        provider: 'stripe',
        ...requestBody(rawBody),
        headers: signedHeaders('stripe', rawBody),
        receivedAt: new Date(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventTooLargeError);
      expect(toHttpError(error)).toMatchObject({
        statusCode: 413,
        body: { error: { code: 'event_too_large' } },
      });
      const id = deriveWebhookId('stripe', event.id);
      expect(await itemsOf(id)).toEqual([]);
    },
  );

  it('refuses a signed event whose id is over 128 characters 400 invalid_event before storing it', async () => {
    // A 180 KB id would not fit one item either; the id limit (every provider) refuses it first.
    const event = stripeEvent({ id: `evt_${'x'.repeat(180_000)}` });
    const rawBody = JSON.stringify(event);
    const error = await captureWebhook(deps, {
      provider: 'stripe',
      ...requestBody(rawBody),
      headers: signedHeaders('stripe', rawBody),
      receivedAt: new Date(),
    }).catch((e: unknown) => e);
    expect(toHttpError(error)).toMatchObject({
      statusCode: 400,
      body: { error: { code: 'invalid_event' } },
    });
    expect(await itemsOf(deriveWebhookId('stripe', event.id))).toEqual([]);
  });

  it('answers 503 storage_unavailable when DynamoDB cannot be reached', async () => {
    // A port nothing listens on: the SDK fails to connect, as during an outage.
    const client = new DynamoDBClient({
      ...localClientConfig('http://127.0.0.1:9'),
      maxAttempts: 2,
    });
    const unreachable = new DynamoDBWebhookLedger({
      client: DynamoDBDocumentClient.from(client),
      tableName: storage.tableName,
      retentionDays: 7,
    });
    const rawBody = JSON.stringify(stripeEvent());
    const error = await captureWebhook(
      { ...deps, ledger: unreachable },
      {
        provider: 'stripe',
        ...requestBody(rawBody),
        headers: signedHeaders('stripe', rawBody),
        receivedAt: new Date(),
      },
    ).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(toHttpError(error)).toMatchObject({
      statusCode: 503,
      body: { error: { code: 'storage_unavailable' } },
    });
  });
});
