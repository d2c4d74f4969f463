import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from 'pino';
import type { CheckpointStore } from './checkpoint-store.js';
import { type EventPattern, matchesAnyFilter } from './event-pattern.js';
import type { LambdaFunction } from './lambda-runtime.js';
import { sleep } from './local-aws.js';
import { Poller } from './poller.js';

export interface StreamMappingSettings {
  readonly batchSize: number;
  readonly filters: readonly EventPattern[];
  /** -1 means retry until the record expires, as on AWS. */
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

/** How long a described shard list is used before the stream is described again. */
const SHARD_LIST_MAX_AGE_MS = 10_000;

interface ShardListing {
  readonly ShardId?: string;
  readonly ParentShardId?: string;
}

interface ShardState {
  iterator?: string;
  buffer: LambdaStreamRecord[];
  closed: boolean;
}

/** A stream record as Lambda delivers it (DynamoDBRecord of @types/aws-lambda). */
export interface LambdaStreamRecord {
  eventID: string;
  eventName: string;
  eventVersion: string;
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: Record<string, unknown> & { SequenceNumber: string };
  userIdentity?: unknown;
}

/**
 * A DynamoDB stream event source mapping, by the rules Lambda follows: each shard read in
 * order, one batch at a time; filter criteria applied before batching; the checkpoint advanced
 * only past records that succeeded (or were filtered out); with ReportBatchItemFailures, retry
 * from the lowest failed sequence number; MaximumRetryAttempts and BisectBatchOnFunctionError
 * honoured; a parent shard finished before its children start.
 */
export class StreamEventSource {
  readonly #client: DynamoDBStreamsClient;
  readonly #streamArn: string;
  readonly #fn: LambdaFunction;
  readonly #settings: StreamMappingSettings;
  readonly #checkpoints: CheckpointStore;
  readonly #log: Logger;
  readonly #region: string;
  readonly #shards = new Map<string, ShardState>();
  readonly #poller: Poller;
  #shardList: { at: number; shards: ShardListing[] } | undefined;

  constructor(options: {
    client: DynamoDBStreamsClient;
    streamArn: string;
    fn: LambdaFunction;
    settings: StreamMappingSettings;
    checkpoints: CheckpointStore;
    log: Logger;
    region: string;
  }) {
    this.#client = options.client;
    this.#streamArn = options.streamArn;
    this.#fn = options.fn;
    this.#settings = options.settings;
    this.#checkpoints = options.checkpoints;
    this.#log = options.log.child({
      eventSource: 'dynamodb-stream',
      function: options.fn.definition.functionName,
    });
    this.#region = options.region;
    // Lambda polls each shard about four times a second; poll again at once while data flows.
    this.#poller = new Poller((signal) => this.#poll(signal), {
      idleMs: 100,
      log: this.#log,
      failure: 'stream poll failed; retrying',
    });
  }

  start(): void {
    this.#poller.start();
  }

  /** Something may just have been written to the table: read the stream now. */
  wake(): void {
    this.#poller.wake();
  }

  async stop(): Promise<void> {
    await this.#poller.stop();
  }

  async #poll(signal: AbortSignal): Promise<{ busy: boolean }> {
    let delivered = false;
    try {
      for (const shardId of await this.#readyShards()) {
        if (signal.aborted) break;
        delivered = (await this.#pollShard(shardId)) || delivered;
      }
    } catch (error) {
      // A shard may have been trimmed away: describe the stream again on the next poll.
      this.#shardList = undefined;
      throw error;
    }
    return { busy: delivered };
  }

  /** Shards that may be read now: not finished, and whose parent (if still listed) is finished. */
  async #readyShards(): Promise<string[]> {
    const shards = await this.#listShards();
    const listed = new Set(shards.map((s) => s.ShardId));
    return shards
      .filter((s) => s.ShardId && !this.#checkpoints.get(this.#streamArn, s.ShardId).finished)
      .filter(
        (s) =>
          !s.ParentShardId ||
          !listed.has(s.ParentShardId) ||
          this.#checkpoints.get(this.#streamArn, s.ParentShardId).finished,
      )
      .map((s) => s.ShardId as string);
  }

  /**
   * The stream's shards, described again after `SHARD_LIST_MAX_AGE_MS` or once a shard has
   * closed (its children are then due): describing on every poll doubled the requests of an
   * idle stack for a list that changes every few hours.
   */
  async #listShards(): Promise<ShardListing[]> {
    const now = Date.now();
    if (this.#shardList && now - this.#shardList.at < SHARD_LIST_MAX_AGE_MS)
      return this.#shardList.shards;
    const shards: ShardListing[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.#client.send(
        new DescribeStreamCommand({
          StreamArn: this.#streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
        { abortSignal: this.#poller.signal },
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.#shardList = { at: now, shards };
    return shards;
  }

  /** Reads one page of a shard and delivers it. Returns whether any record was read. */
  async #pollShard(shardId: string): Promise<boolean> {
    let state = this.#shards.get(shardId);
    if (!state) {
      state = { buffer: [], closed: false };
      this.#shards.set(shardId, state);
    }
    if (!state.closed && state.buffer.length === 0) {
      state.iterator ??= await this.#iterator(shardId);
      try {
        const page = await this.#client.send(
          new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }),
          {
            abortSignal: this.#poller.signal,
          },
        );
        state.buffer.push(...(page.Records ?? []).map((r) => this.#toLambdaRecord(r)));
        state.iterator = page.NextShardIterator;
        if (!page.NextShardIterator) state.closed = true;
      } catch (error) {
        if (
          error instanceof ExpiredIteratorException ||
          error instanceof TrimmedDataAccessException
        ) {
          state.iterator = undefined;
          return false;
        }
        throw error;
      }
    }
    const read = state.buffer.length > 0;
    while (state.buffer.length > 0 && !this.#poller.signal.aborted) {
      await this.#deliverNext(shardId, state);
    }
    if (state.closed && state.buffer.length === 0) {
      this.#checkpoints.set(this.#streamArn, shardId, {
        ...this.#checkpoints.get(this.#streamArn, shardId),
        finished: true,
      });
      this.#shards.delete(shardId);
      this.#shardList = undefined;
    }
    return read;
  }

  async #iterator(shardId: string): Promise<string | undefined> {
    const { sequenceNumber } = this.#checkpoints.get(this.#streamArn, shardId);
    const { ShardIterator } = await this.#client.send(
      new GetShardIteratorCommand({
        StreamArn: this.#streamArn,
        ShardId: shardId,
        ...(sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequenceNumber }
          : { ShardIteratorType: this.#settings.startingPosition }),
      }),
      { abortSignal: this.#poller.signal },
    );
    return ShardIterator;
  }

  /** Takes the next batch off the buffer (after filtering) and invokes until it is handled. */
  async #deliverNext(shardId: string, state: ShardState): Promise<void> {
    const batch: LambdaStreamRecord[] = [];
    let lastTaken: string | undefined;
    while (state.buffer.length > 0 && batch.length < this.#settings.batchSize) {
      const record = state.buffer.shift()!;
      lastTaken = record.dynamodb.SequenceNumber;
      if (matchesAnyFilter(this.#settings.filters, record)) batch.push(record);
    }
    if (batch.length > 0) await this.#invokeWithRetries(batch);
    // Stopped mid-batch: keep the checkpoint, so the next start delivers the batch again.
    if (this.#poller.signal.aborted) return;
    if (lastTaken) this.#advance(shardId, lastTaken);
  }

  /** Invokes until every record of the batch succeeded or its retries are spent. */
  async #invokeWithRetries(initial: LambdaStreamRecord[]): Promise<void> {
    const pending: LambdaStreamRecord[][] = [initial];
    while (pending.length > 0 && !this.#poller.signal.aborted) {
      let batch = pending.shift()!;
      for (let retries = 0; batch.length > 0 && !this.#poller.signal.aborted; retries++) {
        const failedFrom = await this.#invoke(batch);
        if (failedFrom === undefined) break;
        const { index, functionError } = failedFrom;
        const limit = this.#settings.maximumRetryAttempts;
        if (limit >= 0 && retries >= limit) {
          this.#log.error(
            {
              event: 'stream.records-discarded',
              count: batch.length - index,
              retries,
              firstSequenceNumber: batch[index]?.dynamodb.SequenceNumber,
            },
            'stream records discarded after their retries were spent',
          );
          break;
        }
        if (functionError && this.#settings.bisectBatchOnFunctionError && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          pending.unshift(batch.slice(0, half), batch.slice(half));
          break;
        }
        batch = batch.slice(index);
        await sleep(Math.min(200 * 2 ** retries, 5_000), this.#poller.signal);
      }
    }
  }

  /** Returns undefined on success, else the index to retry from. */
  async #invoke(
    batch: LambdaStreamRecord[],
  ): Promise<{ index: number; functionError: boolean } | undefined> {
    let response: unknown;
    try {
      response = await this.#fn.invoke({ Records: batch });
    } catch (error) {
      this.#log.warn(
        { err: (error as Error).message, records: batch.length },
        'stream batch failed',
      );
      return { index: 0, functionError: true };
    }
    if (!this.#settings.reportBatchItemFailures) return undefined;
    const failures = (
      response as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | null
    )?.batchItemFailures;
    if (failures === undefined || failures === null || failures.length === 0) return undefined;
    // Lambda treats a malformed response (unknown or empty identifier) as a failure of the whole batch.
    const indexes = failures.map((f) =>
      batch.findIndex((r) => r.dynamodb.SequenceNumber === f.itemIdentifier),
    );
    if (indexes.some((i) => i < 0)) return { index: 0, functionError: true };
    return { index: Math.min(...indexes), functionError: false };
  }

  #advance(shardId: string, sequenceNumber: string): void {
    this.#checkpoints.set(this.#streamArn, shardId, {
      ...this.#checkpoints.get(this.#streamArn, shardId),
      sequenceNumber,
    });
  }

  #toLambdaRecord(record: StreamRecord): LambdaStreamRecord {
    const dynamodb = record.dynamodb ?? {};
    const created = dynamodb.ApproximateCreationDateTime;
    return JSON.parse(
      JSON.stringify(
        {
          eventID: record.eventID,
          eventName: record.eventName,
          eventVersion: record.eventVersion ?? '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: record.awsRegion ?? this.#region,
          eventSourceARN: this.#streamArn,
          ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
          dynamodb: {
            ...dynamodb,
            // Lambda delivers epoch seconds; the SDK hands us a Date.
            ApproximateCreationDateTime:
              created instanceof Date ? Math.floor(created.getTime() / 1000) : created,
          },
        },
        base64Binary,
      ),
    ) as LambdaStreamRecord;
  }
}

/** Binary attributes travel base64-encoded in Lambda events; the SDK hands us bytes. */
function base64Binary(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}
