import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
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
      version: 1,
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
            Item: { ...statusKey(webhook.id), ...state, expiresAt },
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
   * Takes ownership of the next attempt: `from → processing`, attempts + 1, with a lease. An
   * attempt whose lease has run out (its function died) may be taken over too. With
   * `maxPriorAttempts`, a claim for an attempt already made (a duplicate queue message) loses.
   * Of two racers exactly one wins; the loser gets a TransitionRejectedError with the state.
   */
  async claim(
    id: string,
    options: { from: WebhookStatus; leaseSeconds: number; maxPriorAttempts?: number },
  ): Promise<WebhookState> {
    assertTransition(options.from, 'processing');
    const now = this.#now();
    const values: Record<string, unknown> = {
      ':from': options.from,
      ':processing': 'processing',
      ':now': now.getTime(),
      ':lease': now.getTime() + options.leaseSeconds * 1000,
      ':at': now.toISOString(),
      ':one': 1,
    };
    let condition = '(#status = :from OR (#status = :processing AND leaseExpiresAt < :now))';
    if (options.maxPriorAttempts !== undefined) {
      condition += ' AND attempts <= :maxPrior';
      values[':maxPrior'] = options.maxPriorAttempts;
    }
    return this.#update(id, {
      UpdateExpression:
        'SET #status = :processing, attempts = attempts + :one, leaseExpiresAt = :lease, updatedAt = :at, version = version + :one',
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
      intent: `claim from ${options.from}`,
    });
  }

  /** Ends the attempt that owns the webhook: `processing → completed | failed | dead`. */
  async finish(
    id: string,
    attempt: number,
    to: 'completed' | 'failed' | 'dead',
    details: {
      outcome?: Outcome;
      resource?: string;
      error?: Omit<LastError, 'at' | 'attempt'>;
    } = {},
  ): Promise<WebhookState> {
    assertTransition('processing', to);
    const at = this.#now().toISOString();
    const sets = ['#status = :to', 'updatedAt = :at', 'version = version + :one'];
    const values: Record<string, unknown> = {
      ':to': to,
      ':processing': 'processing',
      ':attempt': attempt,
      ':at': at,
      ':one': 1,
    };
    if (details.outcome) {
      sets.push('outcome = :outcome');
      values[':outcome'] = details.outcome;
    }
    if (details.resource) {
      sets.push('#resource = :resource');
      values[':resource'] = details.resource;
    }
    if (details.error) {
      sets.push('lastError = :error');
      values[':error'] = { ...details.error, attempt, at };
    }
    return this.#update(id, {
      UpdateExpression: `SET ${sets.join(', ')} REMOVE leaseExpiresAt`,
      ConditionExpression: '#status = :processing AND attempts = :attempt',
      ExpressionAttributeValues: values,
      intent: `finish as ${to}`,
    });
  }

  /** Records that the failure of `attempt` is on the failed queue, so it is not enqueued twice. */
  async markEnqueued(id: string, attempt: number): Promise<WebhookState> {
    return this.#update(id, {
      UpdateExpression: 'SET enqueuedAttempt = :attempt',
      ConditionExpression: '#status = :failed AND attempts = :attempt',
      ExpressionAttributeValues: { ':attempt': attempt, ':failed': 'failed' },
      intent: 'mark enqueued',
    });
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
      intent: string;
    },
  ): Promise<WebhookState> {
    const names: Record<string, string> = {};
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
  const { PK: _pk, SK: _sk, expiresAt: _ttl, ...rest } = item;
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
