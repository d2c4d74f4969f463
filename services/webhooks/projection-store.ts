import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, projectionKey, withoutKeys } from '../../stack/table-schema.js';
import type { DynamoDBTableOptions } from './dynamodb-webhook-ledger.js';
import { UpdateExpression } from './update-expression.js';

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
 * The projection and idempotency store: all that processing code may touch. Per resource, the
 * state of the latest event applied; an older event is `stale` and changes nothing. Processors
 * get this and never the lifecycle ledger.
 */
export interface ProjectionStore {
  /**
   * Applies an event to a resource's projection unless a later event (by provider time, then
   * event id) is already applied. Re-applying the same event reports `applied` again, so a
   * processor that crashed after this write and runs again reaches the same outcome.
   */
  applyProjection(resource: string, event: ProjectionEvent): Promise<'applied' | 'stale'>;
  getProjection(resource: string): Promise<Projection | undefined>;
}

/** The projections on the webhooks table: one PROJECTION item per resource. */
export class DynamoDBProjectionStore implements ProjectionStore {
  readonly #options: DynamoDBTableOptions;

  constructor(options: DynamoDBTableOptions) {
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
}
