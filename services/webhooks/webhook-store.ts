import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { StorageUnavailableError, TransitionRejectedError } from '../shared/errors.js';
import { canTransition } from './status-machine.js';
import type { LastError, Outcome, Webhook, WebhookState, WebhookStatus } from './webhook.js';

/*
 * The table access layer: the only module that knows the single-table keys and writes
 * condition expressions. Webhook:  PK WH#<id>, SK WEBHOOK (immutable)
 *                   Status:   PK WH#<id>, SK STATUS  (mutable, every change conditional)
 *                   Projection: PK RES#<provider>#<type>#<id>, SK PROJECTION
 */
const webhookKey = (id: string) => ({ PK: `WH#${id}`, SK: 'WEBHOOK' });
const statusKey = (id: string) => ({ PK: `WH#${id}`, SK: 'STATUS' });
const projectionKey = (resource: string) => ({ PK: `RES#${resource}`, SK: 'PROJECTION' });

/**
 * The sparse index of webhooks needing attention: a STATUS item carries GSI1PK/GSI1SK while it
 * is anything but `completed`, so listing dead or stuck webhooks never reads completed ones.
 */
export const ATTENTION_INDEX = 'attention';
const ATTENTION_SET = 'GSI1PK = :attnPk, GSI1SK = :attnSk';
const attentionValues = (status: WebhookStatus, updatedAt: string, id: string) => ({
  ':attnPk': `ATTN#${status}`,
  ':attnSk': `${updatedAt}#${id}`,
});

/** How many attempts the status item remembers (the attempt log is bounded). */
export const ATTEMPT_LOG_SIZE = 10;
const attemptKey = (attempt: number) => `a${attempt}`;

/** The sort key of the item whose INSERT starts processing; the stream filter matches it. */
export const WEBHOOK_SORT_KEY = 'WEBHOOK';

export interface WebhookStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How long items are kept: longer than any sender's retry window, so late duplicates are seen. */
  readonly retentionDays: number;
  readonly now?: () => Date;
}

export type CreateResult = 'created' | 'duplicate';

export interface Projection {
  readonly resource: string;
  readonly lastEventAt: string;
  readonly lastEventId: string;
  readonly lastEventType: string;
  readonly state: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
}

/** The version `create` writes: a STATUS item still at it has not changed since capture. */
const CREATED_VERSION = 1;

export class WebhookStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #now: () => Date;

  constructor(options: WebhookStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Stores the webhook and its `received` status in one transaction that succeeds only if the
   * webhook is new. A duplicate (the webhook item exists) is a normal answer, not an error.
   * Concurrent copies of one event conflict inside DynamoDB; the loser retries and then sees
   * the stored item, so every copy gets a definite answer only once the webhook is durable.
   */
  async create(webhook: Webhook): Promise<CreateResult> {
    const expiresAt =
      Math.floor(Date.parse(webhook.receivedAt) / 1000) + this.#retentionDays * 86_400;
    const state: Omit<WebhookState, 'id'> & { id: string } = {
      id: webhook.id,
      provider: webhook.provider,
      eventType: webhook.eventType,
      status: 'received',
      attempts: 0,
      receivedAt: webhook.receivedAt,
      updatedAt: webhook.receivedAt,
      version: CREATED_VERSION,
    };
    const command = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.#table,
            Item: { ...webhookKey(webhook.id), ...webhook, expiresAt },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName: this.#table,
            Item: {
              ...statusKey(webhook.id),
              ...state,
              attemptLog: {},
              GSI1PK: `ATTN#received`,
              GSI1SK: `${webhook.receivedAt}#${webhook.id}`,
              expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(command);
        return 'created';
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
          if (codes.includes('ConditionalCheckFailed')) return 'duplicate';
          if (codes.includes('TransactionConflict') && attempt < 8) {
            await sleep(10 * 2 ** Math.min(attempt, 5) * Math.random());
            continue;
          }
        }
        throw new StorageUnavailableError(
          'The webhook could not be stored; the sender should retry.',
          {
            cause: error,
            context: { webhookId: webhook.id },
          },
        );
      }
    }
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: webhookKey(id), ConsistentRead: true }),
    );
    return Item ? stripKeys<Webhook>(Item) : undefined;
  }

  async getState(id: string): Promise<WebhookState | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: statusKey(id), ConsistentRead: true }),
    );
    return Item ? stripKeys<WebhookState>(Item) : undefined;
  }

  /**
   * Takes ownership of the next attempt: `from → processing`, attempts + 1, with a lease, and
   * opens the attempt's entry in the bounded attempt log. An attempt whose lease has run out
   * (its function died) may be taken over too. A queue message claims only with the token the
   * status holds, so a stale or duplicate message loses. The write is conditional on the
   * version seen (read just before; for a received webhook, the version capture wrote, with no
   * read at all), so of two racers exactly one wins; the loser gets a TransitionRejectedError
   * carrying the current state.
   */
  async claim(
    id: string,
    options: { from: WebhookStatus; leaseSeconds: number; trigger: string; queueToken?: string },
  ): Promise<WebhookState> {
    assertTransition(options.from, 'processing');
    const now = this.#now();
    if (options.from === 'received' && options.queueToken === undefined) {
      // A received webhook has not been written since capture created it: claim it without
      // reading it first. Should it have moved on, the failed condition returns the item as it
      // is, and the checks below run on that instead of on a read.
      try {
        return await this.#claimWrite(id, options, now, {
          version: CREATED_VERSION,
          attempts: 0,
        });
      } catch (error) {
        if (!(error instanceof TransitionRejectedError)) throw error;
        return this.#claimChecked(id, options, now, error.context.current as WebhookState);
      }
    }
    return this.#claimChecked(id, options, now, await this.getState(id));
  }

  /** Claims from `current` if it may be claimed, or says why not. */
  async #claimChecked(
    id: string,
    options: { from: WebhookStatus; leaseSeconds: number; trigger: string; queueToken?: string },
    now: Date,
    current: WebhookState | undefined,
  ): Promise<WebhookState> {
    const leaseRanOut =
      current?.status === 'processing' && (current.leaseExpiresAt ?? 0) < now.getTime();
    const tokenMatches =
      options.queueToken === undefined || current?.queueToken === options.queueToken;
    if (!current || !(current.status === options.from || leaseRanOut) || !tokenMatches) {
      throw new TransitionRejectedError(
        `Cannot claim from ${options.from}: the webhook is ${current?.status ?? 'missing'}.`,
        { context: { webhookId: id, current } },
      );
    }
    return this.#claimWrite(id, options, now, current);
  }

  /** The claim itself, conditional on the webhook still being at `seen.version`. */
  async #claimWrite(
    id: string,
    options: { from: WebhookStatus; leaseSeconds: number; trigger: string; queueToken?: string },
    now: Date,
    seen: Pick<WebhookState, 'version' | 'attempts'>,
  ): Promise<WebhookState> {
    const attempt = seen.attempts + 1;
    const at = now.toISOString();
    const values: Record<string, unknown> = {
      ':from': options.from,
      ':processing': 'processing',
      ':now': now.getTime(),
      ':lease': now.getTime() + options.leaseSeconds * 1000,
      ':at': at,
      ':version': seen.version,
      ':attempt': attempt,
      ':one': 1,
      ':entry': { attempt, trigger: options.trigger, startedAt: at },
      ...attentionValues('processing', at, id),
    };
    let condition =
      'version = :version AND (#status = :from OR (#status = :processing AND leaseExpiresAt < :now))';
    if (options.queueToken !== undefined) {
      condition += ' AND queueToken = :token';
      values[':token'] = options.queueToken;
    }
    const names = {
      '#entry': attemptKey(attempt),
      '#oldest': attemptKey(attempt - ATTEMPT_LOG_SIZE),
    };
    return this.#update(id, {
      UpdateExpression:
        'SET #status = :processing, attempts = :attempt, leaseExpiresAt = :lease, updatedAt = :at, ' +
        `version = version + :one, attemptLog.#entry = :entry, ${ATTENTION_SET} REMOVE attemptLog.#oldest`,
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
      names,
      intent: `claim from ${options.from}`,
    });
  }

  /**
   * Ends the attempt that owns the webhook: `processing → completed | failed | dead`. A failure
   * from the stream gets a new `queueToken`: the token its queue message will carry.
   */
  async finish(
    id: string,
    attempt: number,
    to: 'completed' | 'failed' | 'dead',
    details: {
      outcome?: Outcome;
      resource?: string;
      error?: Omit<LastError, 'at' | 'attempt'>;
      queueToken?: string;
    } = {},
  ): Promise<WebhookState> {
    assertTransition('processing', to);
    const at = this.#now().toISOString();
    const sets = [
      '#status = :to',
      'updatedAt = :at',
      'version = version + :one',
      'attemptLog.#entry.endedAt = :at',
      'attemptLog.#entry.#result = :to',
    ];
    const removes = ['leaseExpiresAt'];
    const values: Record<string, unknown> = {
      ':to': to,
      ':processing': 'processing',
      ':attempt': attempt,
      ':at': at,
      ':one': 1,
    };
    if (to === 'completed') removes.push('GSI1PK', 'GSI1SK');
    else {
      sets.push(ATTENTION_SET);
      Object.assign(values, attentionValues(to, at, id));
    }
    if (details.outcome) {
      sets.push('outcome = :outcome', 'attemptLog.#entry.outcome = :outcome');
      values[':outcome'] = details.outcome;
    }
    if (details.resource) {
      sets.push('#resource = :resource');
      values[':resource'] = details.resource;
    }
    if (details.error) {
      sets.push('lastError = :error', 'attemptLog.#entry.#error = :error');
      values[':error'] = { ...details.error, attempt, at };
    }
    if (details.queueToken) {
      sets.push('queueToken = :token');
      values[':token'] = details.queueToken;
    }
    return this.#update(id, {
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: '#status = :processing AND attempts = :attempt',
      ExpressionAttributeValues: values,
      names: {
        '#entry': attemptKey(attempt),
        '#result': 'result',
        ...(details.error ? { '#error': 'error' } : {}),
      },
      intent: `finish as ${to}`,
    });
  }

  /**
   * Records that the message carrying `queueToken` is on the failed queue. Whatever the status:
   * the retry function may already have received that message and claimed (or finished) the
   * webhook before this write (found by e2e/chaos.test.ts); only a newer token makes it moot.
   * `queuedAt` lets the sweeper count a lost message's silence from when it was sent.
   */
  async markEnqueued(id: string, queueToken: string): Promise<WebhookState> {
    return this.#update(id, {
      UpdateExpression: 'SET queuedToken = :token, queuedAt = :at',
      ConditionExpression: 'queueToken = :token',
      ExpressionAttributeValues: { ':token': queueToken, ':at': this.#now().toISOString() },
      intent: 'mark enqueued',
    });
  }

  /**
   * Puts a webhook (back) on the failed queue's path: `from → failed` with a queue token. Used by
   * the sweeper (abandoned attempts, lost messages, lost stream records), the operator's redrive
   * (`dead → failed`) and replay (`completed → failed`). Conditional on the version the caller
   * read, so two sweepers or an operator racing the pipeline change it at most once.
   */
  async requeue(
    id: string,
    options: {
      from: WebhookStatus;
      expectedVersion: number;
      queueToken: string;
      /** Whether a message with this token is already on the queue (a redrive moving it). */
      queued?: boolean;
      reason?: { code: string; message: string };
      /** The attempt the reason is about (the webhook's current attempts). */
      attempt?: number;
    },
  ): Promise<WebhookState> {
    assertTransition(options.from, 'failed');
    const at = this.#now().toISOString();
    const sets = [
      '#status = :failed',
      'updatedAt = :at',
      'version = version + :one',
      'queueToken = :token',
      ATTENTION_SET,
    ];
    const removes = ['leaseExpiresAt'];
    const values: Record<string, unknown> = {
      ':failed': 'failed',
      ':from': options.from,
      ':version': options.expectedVersion,
      ':token': options.queueToken,
      ':at': at,
      ':one': 1,
      ...attentionValues('failed', at, id),
    };
    if (options.queued) sets.push('queuedToken = :token');
    else removes.push('queuedToken');
    if (options.reason) {
      sets.push('lastError = :error');
      // The reason belongs to the attempt it ends (0 when none had started).
      values[':error'] = { ...options.reason, attempt: options.attempt ?? 0, at };
    }
    return this.#update(id, {
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: '#status = :from AND version = :version',
      ExpressionAttributeValues: values,
      intent: `requeue from ${options.from}`,
    });
  }

  /**
   * Webhooks in one status that needs attention (everything but `completed`), newest first,
   * from the sparse index: never a Scan.
   */
  async listAttention(
    status: Exclude<WebhookStatus, 'completed'>,
    options: {
      updatedBefore?: string;
      updatedSince?: string;
      provider?: string;
      limit?: number;
    } = {},
  ): Promise<WebhookState[]> {
    const values: Record<string, unknown> = { ':pk': `ATTN#${status}` };
    let keyCondition = 'GSI1PK = :pk';
    if (options.updatedSince && options.updatedBefore) {
      keyCondition += ' AND GSI1SK BETWEEN :since AND :before';
      values[':since'] = options.updatedSince;
      values[':before'] = options.updatedBefore;
    } else if (options.updatedBefore) {
      keyCondition += ' AND GSI1SK < :before';
      values[':before'] = options.updatedBefore;
    } else if (options.updatedSince) {
      keyCondition += ' AND GSI1SK >= :since';
      values[':since'] = options.updatedSince;
    }
    if (options.provider) values[':provider'] = options.provider;
    const states: WebhookState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: ATTENTION_INDEX,
          KeyConditionExpression: keyCondition,
          ...(options.provider ? { FilterExpression: 'provider = :provider' } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      states.push(...(page.Items ?? []).map((item) => stripKeys<WebhookState>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || states.length < options.limit));
    return options.limit === undefined ? states : states.slice(0, options.limit);
  }

  /** How many webhooks the sparse index holds in each status. */
  async countAttention(): Promise<Record<Exclude<WebhookStatus, 'completed'>, number>> {
    const statuses = ['received', 'processing', 'failed', 'dead'] as const;
    const counts = await Promise.all(
      statuses.map(async (status) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.#client.send(
            new QueryCommand({
              TableName: this.#table,
              IndexName: ATTENTION_INDEX,
              KeyConditionExpression: 'GSI1PK = :pk',
              ExpressionAttributeValues: { ':pk': `ATTN#${status}` },
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
    return Object.fromEntries(counts) as Record<Exclude<WebhookStatus, 'completed'>, number>;
  }

  /**
   * Counts every webhook and status by reading the whole table: an operator's occasional audit
   * (`webhooks stats`), the one place a Scan is the point, since it checks the index against
   * the items themselves.
   */
  async audit(): Promise<{
    webhooks: number;
    statuses: Array<{ status: WebhookStatus; provider: string; count: number }>;
  }> {
    let webhooks = 0;
    const counts = new Map<string, number>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: 'begins_with(PK, :wh)',
          ProjectionExpression: 'SK, #status, provider',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':wh': 'WH#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.SK === WEBHOOK_SORT_KEY) webhooks++;
        else if (item.SK === 'STATUS') {
          const key = `${item.status}\u0000${item.provider}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return {
      webhooks,
      statuses: [...counts].map(([key, count]) => {
        const [status, provider] = key.split('\u0000') as [WebhookStatus, string];
        return { status, provider, count };
      }),
    };
  }

  /**
   * Applies an event to a resource's projection unless a later event (by provider time, then
   * event id) is already applied. Re-applying the same event reports `applied` again, so a
   * processor that crashed after this write and runs again reaches the same outcome.
   */
  async applyProjection(
    resource: string,
    event: { at: string; id: string; type: string; state: Record<string, unknown> },
  ): Promise<'applied' | 'stale'> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: projectionKey(resource),
          UpdateExpression:
            'SET lastEventAt = :at, lastEventId = :id, lastEventType = :type, #state = :state, #resource = :resource, updatedAt = :now',
          ConditionExpression:
            'attribute_not_exists(PK) OR lastEventAt < :at OR (lastEventAt = :at AND lastEventId <= :id)',
          ExpressionAttributeNames: { '#state': 'state', '#resource': 'resource' },
          ExpressionAttributeValues: {
            ':at': event.at,
            ':id': event.id,
            ':type': event.type,
            ':state': event.state,
            ':resource': resource,
            ':now': this.#now().toISOString(),
          },
        }),
      );
      return 'applied';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }

  async getProjection(resource: string): Promise<Projection | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: projectionKey(resource),
        ConsistentRead: true,
      }),
    );
    return Item ? stripKeys<Projection>(Item) : undefined;
  }

  async #update(
    id: string,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
      names?: Record<string, string>;
      intent: string;
    },
  ): Promise<WebhookState> {
    const names: Record<string, string> = { ...input.names };
    if (/#status\b/.test(input.UpdateExpression + input.ConditionExpression))
      names['#status'] = 'status';
    if (input.UpdateExpression.includes('#resource')) names['#resource'] = 'resource';
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: statusKey(id),
          UpdateExpression: input.UpdateExpression,
          ConditionExpression: `attribute_exists(PK) AND ${input.ConditionExpression}`,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: input.ExpressionAttributeValues,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return stripKeys<WebhookState>(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item
          ? stripKeys<WebhookState>(unmarshallLoose(error.Item))
          : undefined;
        throw new TransitionRejectedError(
          `Cannot ${input.intent}: the webhook is ${current?.status ?? 'missing'}.`,
          {
            cause: error,
            context: { webhookId: id, current },
          },
        );
      }
      throw error;
    }
  }
}

function assertTransition(from: WebhookStatus, to: WebhookStatus): void {
  if (!canTransition(from, to)) throw new Error(`Invalid status transition ${from} → ${to}`);
}

function stripKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, expiresAt: _ttl, GSI1PK: _gpk, GSI1SK: _gsk, ...rest } = item;
  return rest as T;
}

/** ConditionalCheckFailedException carries the old item in DynamoDB's wire format. */
function unmarshallLoose(item: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types the item as AttributeValue records
  return unmarshall(item as any);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
