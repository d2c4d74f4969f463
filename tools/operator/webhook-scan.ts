import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Webhook, WebhookState } from '../../services/webhooks/webhook.js';
import { fromWebhookItem } from '../../services/webhooks/webhook-item.js';
import {
  PARTITION_KEY,
  SORT_KEY,
  STATUS_SORT_KEY,
  WEBHOOK_PARTITION_PREFIX,
  WEBHOOK_SORT_KEY,
  withoutKeys,
} from '../../stack/table-schema.js';

/** The table an operator tool reads directly (a Scan is the operator's, never the functions'). */
export interface ScannableTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface ScanOptions {
  /** Only webhooks received in [since, until). */
  readonly since?: string;
  readonly until?: string;
  /** Also read the WEBHOOK items (event id, payload): for text searches. */
  readonly withWebhooks?: boolean;
  /** Stop after reading this many items (DynamoDB counts what it reads, not what it returns). */
  readonly maxItemsRead?: number;
}

export interface ScannedWebhook {
  readonly state: WebhookState;
  /** With `withWebhooks`: the immutable item, when it was read. */
  readonly webhook?: Webhook;
}

export interface ScanResult {
  readonly webhooks: ScannedWebhook[];
  /** Items DynamoDB read (and charged for), all of them, matching or not. */
  readonly itemsRead: number;
  /** The scan stopped at maxItemsRead before the end of the table. */
  readonly truncated: boolean;
}

/**
 * Reads the webhooks of the table received in a time window, with a Scan: DynamoDB reads every
 * item and filters after reading, so the cost is the table's size, not the window's. Fine on
 * the embedded stack; on a deployed stack callers bound it with `maxItemsRead` and say so.
 */
export async function scanWebhooks(
  table: ScannableTable,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const names: Record<string, string> = { '#pk': PARTITION_KEY };
  const values: Record<string, unknown> = { ':wh': WEBHOOK_PARTITION_PREFIX };
  const conditions = ['begins_with(#pk, :wh)'];
  if (!options.withWebhooks) {
    names['#sk'] = SORT_KEY;
    conditions.push('#sk = :status');
    values[':status'] = STATUS_SORT_KEY;
  }
  if (options.since) {
    conditions.push('receivedAt >= :since');
    values[':since'] = options.since;
  }
  if (options.until) {
    conditions.push('receivedAt < :until');
    values[':until'] = options.until;
  }
  const states = new Map<string, WebhookState>();
  const webhooks = new Map<string, Webhook>();
  let itemsRead = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
        ...(options.maxItemsRead
          ? { Limit: Math.max(1, Math.min(1_000, options.maxItemsRead - itemsRead)) }
          : {}),
      }),
    );
    itemsRead += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      if (item[SORT_KEY] === STATUS_SORT_KEY) {
        const state = withoutKeys<WebhookState>(item);
        states.set(state.id, state);
      } else if (item[SORT_KEY] === WEBHOOK_SORT_KEY) {
        const webhook = fromWebhookItem(withoutKeys(item));
        webhooks.set(webhook.id, webhook);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && (options.maxItemsRead === undefined || itemsRead < options.maxItemsRead));
  return {
    webhooks: [...states.values()].map((state) => {
      const webhook = webhooks.get(state.id);
      return webhook ? { state, webhook } : { state };
    }),
    itemsRead,
    truncated: startKey !== undefined,
  };
}
