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

/**
 * The poll when nothing woke the source: Lambda reads each shard about four times a second. A
 * write made through the emulator wakes the source at once (`invocationEnded`), so this pause
 * only bounds how late a write from outside (the operator CLI, a test's own client) is read.
 */
export const STREAM_BACKSTOP_MS = 250;

/** Records asked for per GetRecords; a full page means more may be waiting now. */
const PAGE_LIMIT = 1000;

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
    /** The pause between polls when nothing woke the source (tests lengthen it). */
    backstopMs?: number;
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
    this.#poller = new Poller((signal) => this.#poll(signal), {
      idleMs: options.backstopMs ?? STREAM_BACKSTOP_MS,
      log: this.#log,
      failure: 'stream poll failed; retrying',
    });
  }

  start(): void {
    this.#poller.start();
  }

  /**
   * A function's invocation has ended, and it may have written to the table: read the stream
   * now rather than at the backstop poll. Not for this mapping's own function: its writes are
   * read with the next batch's (every capture wakes the source) or at the backstop, so a
   * processed webhook costs about one read of the stream rather than two or three (the read of
   * its own writes, and an empty one after it).
   */
  invocationEnded(fn: LambdaFunction): void {
    if (fn !== this.#fn) this.#poller.wake();
  }

  async stop(): Promise<void> {
    await this.#poller.stop();
  }

  /**
   * Reads every ready shard once. Busy (read again at once) only when a page came back full:
   * more records are waiting now. Otherwise the source waits for a wake (a write through the
   * emulator) or the backstop, instead of reading again to find what it has just read.
   */
  async #poll(signal: AbortSignal): Promise<{ busy: boolean }> {
    let more = false;
    try {
      for (const shardId of await this.#readyShards()) {
        if (signal.aborted) break;
        more = (await this.#pollShard(shardId)) || more;
      }
    } catch (error) {
      // A shard may have been trimmed away: describe the stream again on the next poll.
      this.#shardList = undefined;
      throw error;
    }
    return { busy: more };
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
      const { StreamDescription } = await this.#untilStopped(
        this.#client.send(
          new DescribeStreamCommand({
            StreamArn: this.#streamArn,
            ExclusiveStartShardId: exclusiveStartShardId,
          }),
        ),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.#shardList = { at: now, shards };
    return shards;
  }

  /** Reads one page of a shard and delivers it. Returns whether the page was full. */
  async #pollShard(shardId: string): Promise<boolean> {
    let state = this.#shards.get(shardId);
    if (!state) {
      state = { buffer: [], closed: false };
      this.#shards.set(shardId, state);
    }
    let full = false;
    if (!state.closed && state.buffer.length === 0) {
      state.iterator ??= await this.#iterator(shardId);
      try {
        const page = await this.#untilStopped(
          this.#client.send(
            new GetRecordsCommand({ ShardIterator: state.iterator, Limit: PAGE_LIMIT }),
          ),
        );
        const records = page.Records ?? [];
        full = records.length >= PAGE_LIMIT;
        state.buffer.push(...records.map((r) => this.#toLambdaRecord(r)));
        state.iterator = page.NextShardIterator;
        if (!page.NextShardIterator) state.closed = true;
      } catch (error) {
        if (
          error instanceof ExpiredIteratorException ||
          error instanceof TrimmedDataAccessException
        ) {
          // Read again at once, with a new iterator.
          state.iterator = undefined;
          return true;
        }
        throw error;
      }
    }
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
      // Its children are due now.
      return true;
    }
    return full;
  }

  async #iterator(shardId: string): Promise<string | undefined> {
    const { sequenceNumber } = this.#checkpoints.get(this.#streamArn, shardId);
    const { ShardIterator } = await this.#untilStopped(
      this.#client.send(
        new GetShardIteratorCommand({
          StreamArn: this.#streamArn,
          ShardId: shardId,
          ...(sequenceNumber
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: sequenceNumber }
            : { ShardIteratorType: this.#settings.startingPosition }),
        }),
      ),
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

  /**
   * A request to the stream, sent without per-call options so that a client built with
   * `cacheMiddleware` reuses its resolved handler (resolving the SDK's middleware stack on every
   * read was a tenth of an idle stack's CPU). `stop()` does not wait for it: its answer is dropped.
   */
  #untilStopped<T>(request: Promise<T>): Promise<T> {
    const signal = this.#poller.signal;
    if (signal.aborted) {
      request.catch(() => {});
      return Promise.reject(new Error('stopped'));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error('stopped'));
      signal.addEventListener('abort', onAbort, { once: true });
      request.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
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
    return jsonShape({
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
    }) as LambdaStreamRecord;
  }
}

/**
 * A deep copy of what the SDK handed us as the record would travel in JSON: binary attributes
 * (bytes from the SDK) base64-encoded as in Lambda events, dates as ISO text, undefined members
 * left out. What a JSON round trip with a replacer gives, at an eighth of its cost; every record
 * of the stream goes through it, including those the filter then drops.
 */
export function jsonShape(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : jsonShape(v)));
  if (value instanceof Date) return value.toISOString();
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined && typeof member !== 'function') copy[key] = jsonShape(member);
  }
  return copy;
}
