import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../../emulator/checkpoint-store.js';
import type { LambdaFunction } from '../../../emulator/lambda-runtime.js';
import { jsonShape, StreamEventSource } from '../../../emulator/stream-event-source.js';

const log = pino({ level: 'silent' });
const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000';
const sources: StreamEventSource[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function record(sequence: number): StreamRecord {
  return {
    eventID: `e${sequence}`,
    eventName: 'INSERT',
    dynamodb: { SequenceNumber: String(sequence).padStart(21, '0'), Keys: { pk: { S: 'k' } } },
  };
}

/**
 * A stream source on one open shard, over a stubbed Streams client: each GetRecords answers the
 * next page of `pages` (then empty pages). The backstop is a minute, so any read after the first
 * comes from a wake or from the source deciding to read again at once.
 */
function streamSource(pages: StreamRecord[][]) {
  const reads: number[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand)
        return { StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } };
      if (command instanceof GetShardIteratorCommand) return { ShardIterator: 'iterator' };
      if (command instanceof GetRecordsCommand) {
        reads.push(Date.now());
        return { Records: pages.shift() ?? [], NextShardIterator: 'iterator' };
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBStreamsClient;
  const batches: unknown[][] = [];
  const fn = {
    definition: { functionName: 'process' },
    invoke: async (event: { Records: unknown[] }) => {
      batches.push(event.Records);
      return null;
    },
  } as unknown as LambdaFunction;
  const otherFn = { definition: { functionName: 'capture' } } as unknown as LambdaFunction;
  const source = new StreamEventSource({
    client,
    streamArn: STREAM_ARN,
    fn,
    settings: {
      batchSize: 10,
      filters: [],
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      startingPosition: 'TRIM_HORIZON',
    },
    checkpoints: new CheckpointStore(),
    log,
    region: 'us-east-1',
    backstopMs: 60_000,
  });
  sources.push(source);
  return { source, reads, batches, fn, otherFn };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('StreamEventSource: when it reads the stream', () => {
  it('reads at once when another function’s invocation ends (it may have written the table)', async () => {
    const { source, reads, otherFn } = streamSource([]);
    source.start();
    await vi.waitFor(() => expect(reads).toHaveLength(1));

    source.invocationEnded(otherFn);

    await vi.waitFor(() => expect(reads).toHaveLength(2), { timeout: 2_000 });
  });

  it('does not read again for the end of its own function’s invocation', async () => {
    const { source, reads, fn } = streamSource([]);
    source.start();
    await vi.waitFor(() => expect(reads).toHaveLength(1));

    source.invocationEnded(fn);
    await settle();

    expect(reads).toHaveLength(1);
  });

  it('after delivering a page that was not full, waits for a wake instead of reading again', async () => {
    const { source, reads, batches, otherFn } = streamSource([[record(1), record(2)]]);
    source.start();
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    await settle();

    expect(reads).toHaveLength(1);

    source.invocationEnded(otherFn);
    await vi.waitFor(() => expect(reads).toHaveLength(2), { timeout: 2_000 });
  });

  it('reads again at once after a full page (more records are waiting), in order', async () => {
    const full = Array.from({ length: 1000 }, (_, i) => record(i + 1));
    const { source, reads, batches } = streamSource([full, [record(1001)]]);
    source.start();

    await vi.waitFor(() => expect(reads.length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    await vi.waitFor(() => expect(batches).toHaveLength(101), { timeout: 5_000 });
    const sequences = batches
      .flat()
      .map((r) => Number((r as { dynamodb: { SequenceNumber: string } }).dynamodb.SequenceNumber));
    expect(sequences).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
  });
});

describe('jsonShape', () => {
  it('gives what a JSON round trip of an SDK stream record gives, binary attributes in base64', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    // A view into a larger buffer: only its own bytes count.
    const view = new Uint8Array(new Uint8Array([9, 9, 104, 105, 9]).buffer, 2, 2);
    const sdkRecord = {
      eventID: 'e1',
      userIdentity: undefined,
      dynamodb: {
        Keys: { pk: { S: 'k' }, blob: { B: bytes } },
        NewImage: {
          n: { N: '1.5' },
          flags: { BOOL: true },
          nothing: { NULL: true },
          set: { BS: [bytes, view] },
          list: { L: [{ S: 'a' }, { M: { inner: { B: view } } }] },
          strings: { SS: ['x', 'y'] },
        },
        When: new Date('2026-12-02T06:00:00.000Z'),
        OldImage: undefined,
      },
    };
    const viaJson = JSON.parse(
      JSON.stringify(sdkRecord, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
      ),
    );
    expect(jsonShape(sdkRecord)).toEqual(viaJson);
    expect(jsonShape(sdkRecord)).toMatchObject({
      dynamodb: {
        Keys: { blob: { B: 'AAEC+v8=' } },
        NewImage: { set: { BS: ['AAEC+v8=', 'aGk='] } },
      },
    });
    expect(Object.keys((jsonShape(sdkRecord) as { dynamodb: object }).dynamodb)).not.toContain(
      'OldImage',
    );
  });
});
