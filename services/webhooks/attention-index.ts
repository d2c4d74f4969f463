import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  ATTENTION_INDEX,
  attentionPartition,
  PARTITION_KEY,
  SORT_KEY,
  STATUS_SORT_KEY,
  WEBHOOK_PARTITION_PREFIX,
  WEBHOOK_SORT_KEY,
  withoutKeys,
} from '../../stack/table-schema.js';
import type { DynamoDBTableOptions } from './dynamodb-webhook-ledger.js';
import type { WebhookState, WebhookStatus } from './webhook.js';

/** The statuses the attention index holds: everything but `completed`. */
export type AttentionStatus = Exclude<WebhookStatus, 'completed'>;
export const ATTENTION_STATUSES: readonly AttentionStatus[] = [
  'received',
  'processing',
  'failed',
  'dead',
];

export interface ListAttentionOptions {
  readonly updatedBefore?: string;
  readonly updatedSince?: string;
  readonly provider?: string;
  readonly limit?: number;
}

export interface Audit {
  readonly webhooks: number;
  /** Webhooks that had copies with another body, and how many such copies in all. */
  readonly conflicts: { readonly webhooks: number; readonly copies: number };
  readonly statuses: Array<{ status: WebhookStatus; provider: string; count: number }>;
  /** Completed webhooks by outcome (`applied`, `stale`, `ignored`). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/**
 * The operator's reads: the sparse attention index (webhooks that are not `completed`) for the
 * sweeper, `list`, `redrive --all` and `stats`, and the audit that checks the index against the
 * items. Reads only; the ledger keeps the index's keys up to date on every status change.
 */
export class AttentionIndex {
  readonly #options: DynamoDBTableOptions;

  constructor(options: DynamoDBTableOptions) {
    this.#options = options;
  }

  /** Webhooks in one status that needs attention, newest first, from the index: never a Scan. */
  async listAttention(
    status: AttentionStatus,
    options: ListAttentionOptions = {},
  ): Promise<WebhookState[]> {
    const pk = '#pk';
    const sk = '#sk';
    const names: Record<string, string> = {
      [pk]: ATTENTION_INDEX.partitionKey,
      [sk]: ATTENTION_INDEX.sortKey,
    };
    const values: Record<string, unknown> = { ':pk': attentionPartition(status) };
    let keyCondition = `${pk} = :pk`;
    if (options.updatedSince && options.updatedBefore) {
      keyCondition += ` AND ${sk} BETWEEN :since AND :before`;
      values[':since'] = options.updatedSince;
      values[':before'] = options.updatedBefore;
    } else if (options.updatedBefore) {
      keyCondition += ` AND ${sk} < :before`;
      values[':before'] = options.updatedBefore;
    } else if (options.updatedSince) {
      keyCondition += ` AND ${sk} >= :since`;
      values[':since'] = options.updatedSince;
    } else delete names[sk];
    if (options.provider) values[':provider'] = options.provider;
    const states: WebhookState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#options.client.send(
        new QueryCommand({
          TableName: this.#options.tableName,
          IndexName: ATTENTION_INDEX.name,
          KeyConditionExpression: keyCondition,
          ...(options.provider ? { FilterExpression: 'provider = :provider' } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      states.push(...(page.Items ?? []).map((item) => withoutKeys<WebhookState>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || states.length < options.limit));
    return options.limit === undefined ? states : states.slice(0, options.limit);
  }

  /** How many webhooks the index holds in each status. */
  async countAttention(): Promise<Record<AttentionStatus, number>> {
    const counts = await Promise.all(
      ATTENTION_STATUSES.map(async (status) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.#options.client.send(
            new QueryCommand({
              TableName: this.#options.tableName,
              IndexName: ATTENTION_INDEX.name,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': ATTENTION_INDEX.partitionKey },
              ExpressionAttributeValues: { ':pk': attentionPartition(status) },
              Select: 'COUNT',
              ExclusiveStartKey: startKey,
            }),
          );
          count += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return [status, count] as const;
      }),
    );
    return Object.fromEntries(counts) as Record<AttentionStatus, number>;
  }

  /**
   * Counts every webhook and status by reading the whole table: an operator's occasional audit
   * (`webhooks stats`), the one place a Scan is the point, since it checks the index against
   * the items themselves.
   */
  async audit(): Promise<Audit> {
    let webhooks = 0;
    const conflicts = { webhooks: 0, copies: 0 };
    const counts = new Map<string, number>();
    const outcomes: Record<string, number> = {};
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#options.client.send(
        new ScanCommand({
          TableName: this.#options.tableName,
          FilterExpression: 'begins_with(#pk, :wh)',
          ProjectionExpression: '#sk, #status, provider, conflicts, outcome',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#status': 'status' },
          ExpressionAttributeValues: { ':wh': WEBHOOK_PARTITION_PREFIX },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item[SORT_KEY] === WEBHOOK_SORT_KEY) webhooks++;
        else if (item[SORT_KEY] === STATUS_SORT_KEY) {
          const key = `${item.status}\u0000${item.provider}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (item.status === 'completed' && typeof item.outcome === 'string') {
            outcomes[item.outcome] = (outcomes[item.outcome] ?? 0) + 1;
          }
          if (typeof item.conflicts === 'number' && item.conflicts > 0) {
            conflicts.webhooks++;
            conflicts.copies += item.conflicts;
          }
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return {
      webhooks,
      conflicts,
      outcomes,
      statuses: [...counts].map(([key, count]) => {
        const [status, provider] = key.split('\u0000') as [WebhookStatus, string];
        return { status, provider, count };
      }),
    };
  }
}
