import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StorageWarmUp } from '../emulator/warm-up.js';
import { openWebhookTable } from '../services/webhooks/webhook-table.js';
import { capturedWebhook, signedRequest } from './bench/signed-webhooks.js';

/**
 * Webhooks taken through the pipeline's own storage requests, four at once. On a fresh on-disk
 * stack, webhooks sent at 10/s straight after ready waited up to 1.1-1.3 s (p99) without a
 * warm-up; after two webhooks 0.37-0.46 s, after four 0.28 s, after eight 0.19 s. The warm-up
 * took 1.0, 1.3 and 1.6 s (a scratch table created and dropped included), most of it added to
 * the time to ready.
 */
export const WARM_UP_WEBHOOKS = 4;
const LANES = 4;

/**
 * The receiver's warm-up of DynamoDB Local (emulator/warm-up.ts): on a scratch copy of the
 * webhooks table, the requests of a stored and processed webhook, through the same ledger and
 * projection store the functions use (so the same expressions), and the refusals a duplicate
 * and a lost claim get.
 */
export const warmReceiverStorage: StorageWarmUp = async ({ client, tables }) => {
  const table = tables.find((t) => t.logicalId.startsWith('WebhooksTable'));
  if (!table) return;
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const { ledger, projections } = openWebhookTable({
    client: documents,
    tableName: table.tableName,
    retentionDays: 1,
  });
  const one = async (i: number) => {
    const webhook = capturedWebhook(signedRequest());
    await ledger.create(webhook);
    await ledger.create(webhook);
    const claim = { from: 'received', leaseSeconds: 60, trigger: 'stream' } as const;
    const { attempts } = await ledger.claim(webhook.id, claim);
    await ledger.claim(webhook.id, claim).catch(() => {});
    await projections.applyProjection(`warm-up#${i % 2}`, {
      at: webhook.occurredAt,
      id: webhook.eventId,
      type: webhook.eventType,
      state: { status: 'succeeded' },
    });
    await projections.beginSideEffect(webhook.id, 'warm-up', attempts);
    await projections.endSideEffect(webhook.id, 'warm-up', attempts, {
      done: true,
      result: { at: webhook.receivedAt },
    });
    await ledger.finish(webhook.id, attempts, 'completed', { outcome: 'applied' });
  };
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let i = lane; i < WARM_UP_WEBHOOKS; i += LANES) await one(i);
    }),
  );
};
