/*
 * The webhooks table's schema: every key name, key prefix, index and attribute that the stack
 * declares and the store reads. The stack (table, index, TTL, stream filter), the store's three
 * parts and the stream handler import it; nothing else spells a key. No CDK import here: this
 * module ships in the Lambda bundles.
 *
 *   Webhook     PK WH#<id>                        SK WEBHOOK     immutable, its INSERT starts processing
 *   Status      PK WH#<id>                        SK STATUS      mutable, every change conditional
 *   Projection  PK RES#<provider>#<type>#<id>     SK PROJECTION  per-resource state kept by handlers
 *   Side effect PK FX#<webhook id>#<key>          SK SIDE_EFFECT a handler's `once(key, …)` record
 */

/** The table's primary key attributes. */
export const PARTITION_KEY = 'PK';
export const SORT_KEY = 'SK';

/** The TTL attribute (epoch seconds): items outlive any sender's retry window, then go. */
export const TTL_ATTRIBUTE = 'expiresAt';

const WEBHOOK_PREFIX = 'WH#';
const RESOURCE_PREFIX = 'RES#';
const SIDE_EFFECT_PREFIX = 'FX#';

/** The sort key of the item whose INSERT starts processing; the stream filter matches it. */
export const WEBHOOK_SORT_KEY = 'WEBHOOK';
export const STATUS_SORT_KEY = 'STATUS';
export const PROJECTION_SORT_KEY = 'PROJECTION';
export const SIDE_EFFECT_SORT_KEY = 'SIDE_EFFECT';

export type TableKey = { readonly PK: string; readonly SK: string };

export const webhookKey = (id: string): TableKey => ({
  PK: `${WEBHOOK_PREFIX}${id}`,
  SK: WEBHOOK_SORT_KEY,
});
export const statusKey = (id: string): TableKey => ({
  PK: `${WEBHOOK_PREFIX}${id}`,
  SK: STATUS_SORT_KEY,
});
export const projectionKey = (resource: string): TableKey => ({
  PK: `${RESOURCE_PREFIX}${resource}`,
  SK: PROJECTION_SORT_KEY,
});

/** One side effect of one webhook: a partition of its own, outside the webhook's. */
export const sideEffectKey = (webhookId: string, key: string): TableKey => ({
  PK: `${SIDE_EFFECT_PREFIX}${webhookId}#${key}`,
  SK: SIDE_EFFECT_SORT_KEY,
});

/** Whether a partition key is a webhook's (its WEBHOOK and STATUS items). */
export const WEBHOOK_PARTITION_PREFIX = WEBHOOK_PREFIX;

/**
 * The sparse index of webhooks needing attention: a STATUS item carries its keys while it is
 * anything but `completed`, so listing dead or stuck webhooks never reads completed ones.
 */
export const ATTENTION_INDEX = {
  name: 'attention',
  partitionKey: 'GSI1PK',
  sortKey: 'GSI1SK',
} as const;

/** The attention index's keys of a STATUS item: by status, newest change last. */
export const attentionKey = (status: string, updatedAt: string, id: string) => ({
  [ATTENTION_INDEX.partitionKey]: attentionPartition(status),
  [ATTENTION_INDEX.sortKey]: `${updatedAt}#${id}`,
});
export const attentionPartition = (status: string) => `ATTN#${status}`;

/** The attributes only the schema uses: stripped from every item before the domain sees it. */
const KEY_ATTRIBUTES = [
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  ATTENTION_INDEX.partitionKey,
  ATTENTION_INDEX.sortKey,
] as const;

/** An item without its table keys, index keys and TTL: the domain object it stores. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const rest: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete rest[name];
  return rest as T;
}
