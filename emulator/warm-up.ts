import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from 'pino';
import {
  type ProvisionClients,
  type ProvisionOptions,
  provisionScratchTables,
} from './provision.js';
import type { CfnTemplate } from './template.js';

/** A scratch copy of one of the stack's tables: its keys, indexes and stream, none of its data. */
export interface ScratchTable {
  readonly logicalId: string;
  readonly tableName: string;
}

/**
 * The application's own requests, run against scratch copies of its tables before the stack
 * says it is ready (`EmulatorOptions.warmUp`).
 *
 * DynamoDB Local's first requests of a kind are slow: its JVM starts interpreting, and its
 * expression parser learns each shape of expression as it first meets it. Measured on a fresh
 * on-disk stack, the first capture transaction took 320 ms of the JVM's CPU and the first
 * conditional update 90 ms, and webhooks sent at 10/s straight after ready waited up to 1.1-1.3 s
 * (p99) while the rest waited 60 ms. The same requests on a scratch table first take that
 * cost before anyone is waiting.
 */
export type StorageWarmUp = (scratch: {
  readonly client: ProvisionClients['dynamodb'];
  readonly tables: readonly ScratchTable[];
}) => Promise<void>;

/** How long the start waits for a warm-up at most: it normally takes a second or two. */
export const WARM_UP_LIMIT_MS = 10_000;

/**
 * Creates scratch copies of the template's tables (`<name>-warm-up`), runs `warmUp` on them,
 * reads their streams as the stream event source will, and deletes them. Never fails, and
 * returns after `limitMs` at most (a stalled DynamoDB Local must not hold the start, or the
 * stop, forever; what is still running then drops the tables when it ends): a warm-up that went
 * wrong only leaves the first requests as slow as they were.
 */
export async function warmStorage(args: {
  readonly template: CfnTemplate;
  readonly clients: ProvisionClients;
  readonly streams: DynamoDBStreamsClient;
  readonly options: ProvisionOptions;
  readonly warmUp: StorageWarmUp;
  readonly log: Logger;
  readonly limitMs?: number;
}): Promise<void> {
  const { clients, streams, log } = args;
  const began = Date.now();
  const work = (async () => {
    let tables: ScratchTable[] = [];
    try {
      tables = await provisionScratchTables(args.template, clients, args.options);
      await args.warmUp({ client: clients.dynamodb, tables });
      for (const { tableName } of tables) await readStream(clients, streams, tableName);
      log.debug({ ms: Date.now() - began, tables: tables.length }, 'DynamoDB Local warmed up');
    } catch (error) {
      log.debug(
        { err: (error as Error).message },
        "DynamoDB Local's warm-up failed; its first requests are slower",
      );
    } finally {
      for (const { tableName } of tables) {
        await clients.dynamodb
          .send(new DeleteTableCommand({ TableName: tableName }))
          .catch(() => {});
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), args.limitMs ?? WARM_UP_LIMIT_MS);
  });
  if ((await Promise.race([work, late])) === 'late') {
    log.warn(
      { ms: Date.now() - began },
      "DynamoDB Local's warm-up is taking too long; starting without waiting for it",
    );
  }
  clearTimeout(timer);
}

/** What the stream event source does first: describe the stream, take an iterator, read. */
async function readStream(
  clients: ProvisionClients,
  streams: DynamoDBStreamsClient,
  tableName: string,
): Promise<void> {
  const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.LatestStreamArn) return;
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: Table.LatestStreamArn }),
  );
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: Table.LatestStreamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    for (let page = 0; page < 2 && ShardIterator; page++) {
      const read = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 100 }));
      ShardIterator = read.NextShardIterator;
    }
  }
}
