import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  PARTITION_KEY,
  projectionKey,
  sideEffectKey,
  TTL_ATTRIBUTE,
  withoutKeys,
} from '../../stack/table-schema.js';
import type { DynamoDBTableOptions } from './dynamodb-webhook-ledger.js';
import { UpdateExpression } from './update-expression.js';
import { expiryOf } from './webhook-ledger.js';

export interface Projection {
  readonly resource: string;
  readonly lastEventAt: string;
  readonly lastEventId: string;
  readonly lastEventType: string;
  readonly state: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
}

export interface ProjectionEvent {
  /** Provider time of the event: what orders events per resource. */
  readonly at: string;
  /** The provider's event id: breaks ties between events of the same time. */
  readonly id: string;
  readonly type: string;
  readonly state: Record<string, unknown>;
}

/**
 * What `beginSideEffect` found:
 * - `run`: this attempt now holds the side effect and should run it;
 * - `done`: an earlier attempt ran it to success (its stored result);
 * - `held`: an attempt of this webhook (`attempt`, the same or a later one) holds it right now.
 */
export type SideEffectStart =
  | { readonly state: 'run' }
  | { readonly state: 'done'; readonly result: unknown }
  | { readonly state: 'held'; readonly attempt: number };

/**
 * The projection and idempotency store: all that processing code may touch. Per resource, the
 * state of the latest event applied; an older event is `stale` and changes nothing. Per webhook
 * and key, whether a side effect has run. Handlers reach it only through their context
 * (services/processing/handler-context.ts) and never see the lifecycle ledger.
 */
export interface ProjectionStore {
  /**
   * Applies an event to a resource's projection unless a later event (by provider time, then
   * event id) is already applied. Re-applying the same event reports `applied` again, so a
   * processor that crashed after this write and runs again reaches the same outcome.
   */
  applyProjection(resource: string, event: ProjectionEvent): Promise<'applied' | 'stale'>;
  getProjection(resource: string): Promise<Projection | undefined>;
  /**
   * Takes the side effect `key` of a webhook for `attempt`, unless it has succeeded (`done`) or an
   * attempt no older than this one holds it (`held`). A holder of an older attempt lost its
   * webhook (the ledger let this attempt claim it only once that attempt's lease ran out, and a
   * lease outlasts the function's timeout), so its hold is taken over.
   */
  beginSideEffect(webhookId: string, key: string, attempt: number): Promise<SideEffectStart>;
  /**
   * Ends the hold of `attempt`: `done` with the function's result (never run again), or released
   * (`done: false`) after the function failed, so a later attempt runs it.
   */
  endSideEffect(
    webhookId: string,
    key: string,
    attempt: number,
    end: { readonly done: true; readonly result: unknown } | { readonly done: false },
  ): Promise<void>;
}

/** A side-effect record as stored. */
interface SideEffectRecord {
  readonly state: 'started' | 'done' | 'released';
  readonly attempt: number;
  readonly result?: unknown;
}

/** The projections on the webhooks table: one PROJECTION item per resource. */
export class DynamoDBProjectionStore implements ProjectionStore {
  readonly #options: DynamoDBTableOptions & { readonly retentionDays?: number };

  /** With `retentionDays`, side-effect records expire with the webhook they belong to. */
  constructor(options: DynamoDBTableOptions & { readonly retentionDays?: number }) {
    this.#options = options;
  }

  async applyProjection(resource: string, event: ProjectionEvent): Promise<'applied' | 'stale'> {
    const { client, tableName, now = () => new Date() } = this.#options;
    const u = new UpdateExpression().setAll({
      lastEventAt: event.at,
      lastEventId: event.id,
      lastEventType: event.type,
      state: event.state,
      resource,
      updatedAt: now().toISOString(),
    });
    const at = u.value(event.at);
    const id = u.value(event.id);
    u.when(
      `attribute_not_exists(${u.name(PARTITION_KEY)}) OR ${u.name('lastEventAt')} < ${at} OR ` +
        `(${u.name('lastEventAt')} = ${at} AND ${u.name('lastEventId')} <= ${id})`,
    );
    try {
      await client.send(
        new UpdateCommand({ TableName: tableName, Key: projectionKey(resource), ...u.build() }),
      );
      return 'applied';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'stale';
      throw error;
    }
  }

  async getProjection(resource: string): Promise<Projection | undefined> {
    const { client, tableName } = this.#options;
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: projectionKey(resource), ConsistentRead: true }),
    );
    return Item ? withoutKeys<Projection>(Item) : undefined;
  }

  async beginSideEffect(webhookId: string, key: string, attempt: number): Promise<SideEffectStart> {
    const { client, tableName, now = () => new Date(), retentionDays } = this.#options;
    const at = now();
    const u = new UpdateExpression().setAll({
      state: 'started',
      attempt,
      startedAt: at.toISOString(),
      ...(retentionDays ? { [TTL_ATTRIBUTE]: expiryOf(at.toISOString(), retentionDays) } : {}),
    });
    u.when(
      `attribute_not_exists(${u.name(PARTITION_KEY)}) OR ${u.name('state')} = ${u.value('released')} OR ` +
        `(${u.name('state')} = ${u.value('started')} AND ${u.name('attempt')} < ${u.value(attempt)})`,
    );
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: sideEffectKey(webhookId, key),
          ...u.build(),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { state: 'run' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = withoutKeys<SideEffectRecord>(unmarshall(error.Item ?? {}));
      return held.state === 'done'
        ? { state: 'done', result: held.result }
        : { state: 'held', attempt: held.attempt };
    }
  }

  async endSideEffect(
    webhookId: string,
    key: string,
    attempt: number,
    end: { readonly done: true; readonly result: unknown } | { readonly done: false },
  ): Promise<void> {
    const { client, tableName, now = () => new Date() } = this.#options;
    const u = new UpdateExpression()
      .set('state', end.done ? 'done' : 'released')
      .set('endedAt', now().toISOString());
    if (end.done && end.result !== undefined) u.set('result', end.result);
    u.when(`${u.name('state')} = ${u.value('started')}`).when(
      `${u.name('attempt')} = ${u.value(attempt)}`,
    );
    await client.send(
      new UpdateCommand({ TableName: tableName, Key: sideEffectKey(webhookId, key), ...u.build() }),
    );
  }
}
