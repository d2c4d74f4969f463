import { AttentionIndex } from './attention-index.js';
import {
  DynamoDBWebhookLedger,
  type DynamoDBWebhookLedgerOptions,
} from './dynamodb-webhook-ledger.js';
import { DynamoDBProjectionStore, type ProjectionStore } from './projection-store.js';
import type { WebhookLedger } from './webhook-ledger.js';

/** The webhooks table's three parts, for callers that need more than one (tools, tests). */
export interface WebhookTable {
  readonly ledger: WebhookLedger;
  readonly projections: ProjectionStore;
  readonly attention: AttentionIndex;
}

export function openWebhookTable(options: DynamoDBWebhookLedgerOptions): WebhookTable {
  return {
    ledger: new DynamoDBWebhookLedger(options),
    projections: new DynamoDBProjectionStore(options),
    attention: new AttentionIndex(options),
  };
}
