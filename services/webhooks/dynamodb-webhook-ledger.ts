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
import {
  ATTENTION_INDEX,
  attentionKey,
  PARTITION_KEY,
  statusKey,
  TTL_ATTRIBUTE,
  webhookKey,
  withoutKeys,
} from '../../stack/table-schema.js';
import {
  EventTooLargeError,
  StorageUnavailableError,
  TransitionRejectedError,
} from '../shared/errors.js';
import { canTransition } from './status-machine.js';
import { UpdateExpression } from './update-expression.js';
import type { Webhook, WebhookState, WebhookStatus } from './webhook.js';
import { fromWebhookItem, toWebhookItem } from './webhook-item.js';
import {
  ATTEMPT_LOG_SIZE,
  attemptLogKey,
  type ClaimOptions,
  CREATED_VERSION,
  type CreateResult,
  claimable,
  expiryOf,
  type FinishDetails,
  nextAttemptAt,
  type RequeueOptions,
  receivedState,
  type WebhookLedger,
} from './webhook-ledger.js';

export interface DynamoDBTableOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
}

export interface DynamoDBWebhookLedgerOptions extends DynamoDBTableOptions {
  /** How long items are kept: longer than any sender's retry window, so late duplicates are seen. */
  readonly retentionDays: number;
}

/** The lifecycle ledger on the webhooks table: the WEBHOOK and STATUS items. */
export class DynamoDBWebhookLedger implements WebhookLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #now: () => Date;

  constructor(options: DynamoDBWebhookLedgerOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * One transaction that succeeds only if the webhook is new. Concurrent copies of one event
   * conflict inside DynamoDB; the loser retries and then sees the stored item, so every copy
   * gets a definite answer only once the webhook is durable.
   */
  async create(webhook: Webhook): Promise<CreateResult> {
    const expiresAt = expiryOf(webhook.receivedAt, this.#retentionDays);
    const state = receivedState(webhook);
    const isNew = `attribute_not_exists(${PARTITION_KEY})`;
    const command = new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.#table,
            Item: {
              ...webhookKey(webhook.id),
              ...toWebhookItem(webhook),
              [TTL_ATTRIBUTE]: expiresAt,
            },
            ConditionExpression: isNew,
            // A duplicate's cancellation reason then carries the stored copy, to compare bodies.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: this.#table,
            Item: {
              ...statusKey(webhook.id),
              ...state,
              attemptLog: {},
              ...attentionKey('received', webhook.receivedAt, webhook.id),
              [TTL_ATTRIBUTE]: expiresAt,
            },
            ConditionExpression: isNew,
          },
        },
      ],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(command);
        return { outcome: 'created' };
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
          if (codes.includes('ConditionalCheckFailed')) {
            const stored = error.CancellationReasons?.[0]?.Item;
            return this.#duplicate(webhook, stored ? unmarshallLoose(stored) : undefined);
          }
          if (codes.includes('TransactionConflict') && attempt < 8) {
            await sleep(10 * 2 ** Math.min(attempt, 5) * Math.random());
            continue;
          }
        }
        if (isPermanentRefusal(error)) {
          throw new EventTooLargeError(
            "The event cannot be stored: with its kept headers it is over DynamoDB's 400 KB item limit. Sending it again will not help.",
            { cause: error, context: { webhookId: webhook.id } },
          );
        }
        // Throttling, timeouts, network errors, a conflict that outlasted the retries: transient.
        throw new StorageUnavailableError(
          'The webhook could not be stored; the sender should retry.',
          { cause: error, context: { webhookId: webhook.id } },
        );
      }
    }
  }

  /** A duplicate: compares bodies, and counts a conflict on the status if they differ. */
  async #duplicate(
    webhook: Webhook,
    stored: Record<string, unknown> | undefined,
  ): Promise<CreateResult> {
    // DynamoDB returns the stored copy with the cancellation (ALL_OLD); without it there is
    // nothing to compare, and capture has no read permission to fetch it.
    const kept = stored && fromWebhookItem(withoutKeys(stored));
    const receivedSha256 = webhook.body.sha256;
    if (!kept || kept.body.sha256 === receivedSha256) return { outcome: 'duplicate' };
    const u = new UpdateExpression()
      .add('conflicts')
      .set('lastConflictAt', this.#now().toISOString())
      .set('conflictSha256', receivedSha256);
    u.when(`attribute_exists(${u.name(PARTITION_KEY)})`);
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: statusKey(webhook.id),
          ...u.build(),
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return {
        outcome: 'duplicate',
        conflict: {
          storedSha256: kept.body.sha256,
          receivedSha256,
          conflicts: Number(Attributes?.conflicts ?? 1),
        },
      };
    } catch (error) {
      // Not recorded: answer 503 so the sender sends it again and the conflict is counted then.
      throw new StorageUnavailableError(
        'The webhook could not be stored; the sender should retry.',
        { cause: error, context: { webhookId: webhook.id } },
      );
    }
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: webhookKey(id), ConsistentRead: true }),
    );
    return Item ? fromWebhookItem(withoutKeys(Item)) : undefined;
  }

  async getState(id: string): Promise<WebhookState | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: statusKey(id), ConsistentRead: true }),
    );
    return Item ? withoutKeys<WebhookState>(Item) : undefined;
  }

  /**
   * The write is conditional on the version seen (read just before; for a received webhook,
   * the version capture wrote, with no read at all), so of two racers exactly one wins.
   */
  async claim(id: string, options: ClaimOptions): Promise<WebhookState> {
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
    options: ClaimOptions,
    now: Date,
    current: WebhookState | undefined,
  ): Promise<WebhookState> {
    if (!current || !claimable(current, options, now.getTime())) {
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
    options: ClaimOptions,
    now: Date,
    seen: Pick<WebhookState, 'version' | 'attempts'>,
  ): Promise<WebhookState> {
    const attempt = seen.attempts + 1;
    const at = now.toISOString();
    const u = new UpdateExpression()
      .set('status', 'processing')
      .set('attempts', attempt)
      .set('leaseExpiresAt', now.getTime() + options.leaseSeconds * 1000)
      .set('updatedAt', at)
      .remove('nextAttemptAt')
      .increment('version')
      .set(['attemptLog', attemptLogKey(attempt)], {
        attempt,
        trigger: options.trigger,
        startedAt: at,
      })
      .setAll(attentionKey('processing', at, id))
      .remove(['attemptLog', attemptLogKey(attempt - ATTEMPT_LOG_SIZE)]);
    u.when(`${u.name('version')} = ${u.value(seen.version)}`).when(
      `${u.name('status')} = ${u.value(options.from)} OR ` +
        `(${u.name('status')} = ${u.value('processing')} AND ${u.name('leaseExpiresAt')} < ${u.value(now.getTime())})`,
    );
    if (options.queueToken !== undefined) {
      u.when(`${u.name('queueToken')} = ${u.value(options.queueToken)}`);
    }
    return this.#update(id, u, `claim from ${options.from}`);
  }

  async finish(
    id: string,
    attempt: number,
    to: 'completed' | 'failed' | 'dead',
    details: FinishDetails = {},
  ): Promise<WebhookState> {
    assertTransition('processing', to);
    const now = this.#now();
    const at = now.toISOString();
    const entry = (field: string) => ['attemptLog', attemptLogKey(attempt), field];
    const u = new UpdateExpression()
      .set('status', to)
      .set('updatedAt', at)
      .increment('version')
      .set(entry('endedAt'), at)
      .set(entry('result'), to)
      .remove('leaseExpiresAt');
    if (to === 'completed') u.remove(ATTENTION_INDEX.partitionKey, ATTENTION_INDEX.sortKey);
    else u.setAll(attentionKey(to, at, id));
    if (details.outcome) u.set('outcome', details.outcome).set(entry('outcome'), details.outcome);
    if (details.resource) u.set('resource', details.resource);
    if (details.error) {
      const error = { ...details.error, attempt, at };
      u.set('lastError', error).set(entry('error'), error);
    }
    if (details.queueToken) u.set('queueToken', details.queueToken);
    if (to === 'failed' && details.retryAfterSeconds !== undefined) {
      u.set('nextAttemptAt', nextAttemptAt(now, details.retryAfterSeconds));
    }
    u.when(`${u.name('status')} = ${u.value('processing')}`).when(
      `${u.name('attempts')} = ${u.value(attempt)}`,
    );
    return this.#update(id, u, `finish as ${to}`);
  }

  /**
   * `queuedAt` lets the sweeper count a lost message's silence from when it was sent. It does
   * not move `updatedAt`: the retry function may already have received that message and
   * claimed (or finished) the webhook before this write.
   */
  async markEnqueued(id: string, queueToken: string): Promise<WebhookState> {
    const u = new UpdateExpression()
      .set('queuedToken', queueToken)
      .set('queuedAt', this.#now().toISOString());
    u.when(`${u.name('queueToken')} = ${u.value(queueToken)}`);
    return this.#update(id, u, 'mark enqueued');
  }

  /**
   * Used by the sweeper (abandoned attempts, lost messages, lost stream records), the operator's
   * redrive (`dead → failed`) and replay (`completed → failed`), all through scheduleRetry. Two
   * sweepers or an operator racing the pipeline change it at most once.
   */
  async requeue(id: string, options: RequeueOptions): Promise<WebhookState> {
    assertTransition(options.from, 'failed');
    const at = this.#now().toISOString();
    const u = new UpdateExpression()
      .set('status', 'failed')
      .set('updatedAt', at)
      .increment('version')
      .set('queueToken', options.queueToken)
      .setAll(attentionKey('failed', at, id))
      .remove('leaseExpiresAt', 'nextAttemptAt');
    if (options.queued) u.set('queuedToken', options.queueToken);
    else u.remove('queuedToken');
    // The reason belongs to the attempt it ends (0 when none had started).
    if (options.reason)
      u.set('lastError', { ...options.reason, attempt: options.attempt ?? 0, at });
    u.when(`${u.name('status')} = ${u.value(options.from)}`).when(
      `${u.name('version')} = ${u.value(options.expectedVersion)}`,
    );
    return this.#update(id, u, `requeue from ${options.from}`);
  }

  /** A conditional update of the status item; a failed condition is a TransitionRejectedError. */
  async #update(id: string, update: UpdateExpression, intent: string): Promise<WebhookState> {
    update.when(`attribute_exists(${update.name(PARTITION_KEY)})`);
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: statusKey(id),
          ...update.build(),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return withoutKeys<WebhookState>(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const current = error.Item
          ? withoutKeys<WebhookState>(unmarshallLoose(error.Item))
          : undefined;
        throw new TransitionRejectedError(
          `Cannot ${intent}: the webhook is ${current?.status ?? 'missing'}.`,
          { cause: error, context: { webhookId: id, current } },
        );
      }
      throw error;
    }
  }
}

/**
 * Whether DynamoDB refused the capture transaction for what it holds rather than for its own
 * state: a ValidationException (the SDK's name for it; an item over 400 KB, a key over its
 * limit), thrown for the request or given as a transaction's cancellation reason.
 */
function isPermanentRefusal(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((r) => r.Code === 'ValidationError');
  }
  return error instanceof Error && error.name === 'ValidationException';
}

function assertTransition(from: WebhookStatus, to: WebhookStatus): void {
  if (!canTransition(from, to)) throw new Error(`Invalid status transition ${from} → ${to}`);
}

/** ConditionalCheckFailedException carries the old item in DynamoDB's wire format. */
function unmarshallLoose(item: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types the item as AttributeValue records
  return unmarshall(item as any);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
