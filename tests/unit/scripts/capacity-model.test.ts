import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CapacityInputs,
  costPerMillion,
  limits,
  streamShardThroughput,
  usagePerWebhook,
  writeUnits,
} from '../../../tools/capacity/capacity-model.js';

const inputs = JSON.parse(
  readFileSync(new URL('../../../docs/capacity-inputs.json', import.meta.url), 'utf8'),
) as CapacityInputs;

/** The inputs file with round numbers, so the expected figures can be worked out by hand. */
const simple: CapacityInputs = {
  ...inputs,
  assumptions: {
    ...inputs.assumptions,
    webhookItemBytes: 3000, // 3 KB → 6 WRU in a transaction
    statusItemBytes: 700, // 1 KB → 2 WRU in a transaction, 1 WRU per update
    projectionItemBytes: 500,
    memoryMb: 1024,
    captureDurationMs: 20,
    processPerRecordMs: 10,
    processInvocationOverheadMs: 0,
    processBatchFill: 10,
    streamBatchSize: 10,
    failureRate: 0,
    retentionDays: 30.4,
    functionLogBytesPerWebhook: 1000,
    platformLogBytesPerInvocation: 0,
    indexWriteUnitsPerWebhook: 4,
    indexHotKeyWriteUnitsPerWebhook: 2,
    initialStreamShards: 4,
    parallelizationFactor: 1,
    // One record at a time, so the figures below are easy to work out by hand.
    recordsAtOnce: 1,
    slowestRecordFactor: 2,
  },
};

describe('capacity model', () => {
  it('bills writes per started KB, and transactional writes twice', () => {
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3000, true)).toBe(6);
  });

  it('counts what one webhook uses on the happy path', () => {
    const usage = usagePerWebhook(simple.assumptions);
    // capture 6 + 2, claim 1 + projection 1 + finish 1, attention index 4
    expect(usage.writeUnits).toBe(15);
    expect(usage.lambdaRequests).toBeCloseTo(1.1);
    // (20 ms + 10 ms) at 1 GB
    expect(usage.lambdaGbSeconds).toBeCloseTo(0.03);
    expect(usage.sqsRequests).toBe(0);
    expect(usage.storageGbMonths).toBeCloseTo(3900 / 1e9);
  });

  it('prices a million webhooks from the table', () => {
    const lines = costPerMillion(simple);
    const line = (service: string, item: string) =>
      lines.find((l) => l.service.startsWith(service) && l.item.startsWith(item))!.usdPerMillion;
    expect(line('API Gateway', 'requests')).toBeCloseTo(1.0);
    expect(line('Lambda', 'requests')).toBeCloseTo(1.1 * 0.2);
    expect(line('Lambda', 'duration')).toBeCloseTo(30_000 * 0.0000133334);
    expect(line('DynamoDB', 'write')).toBeCloseTo(15 * 0.625);
    expect(line('CloudWatch', 'ingestion')).toBeCloseTo(1 * 0.5);
  });

  it('adds the SQS round trip and the extra writes of retried webhooks', () => {
    const retried = usagePerWebhook({ ...simple.assumptions, failureRate: 0.1 });
    expect(retried.sqsRequests).toBeCloseTo(0.3);
    expect(retried.writeUnits).toBeCloseTo(15 + 0.1 * 4);
  });

  it('finds the first limit as traffic grows', () => {
    // 10 records × 20 ms per batch → 50/s per shard, 4 shards → 200/s; a partition's
    // 1000 WRU/s at 15 WRU per webhook is 66.7/s, so more partitions never catch up either.
    const slow = { ...simple, assumptions: { ...simple.assumptions, processPerRecordMs: 20 } };
    expect(streamShardThroughput(slow.assumptions)).toBeCloseTo(50);
    const [first, second, third] = limits(slow);
    expect(first!.name).toMatch(/Stream processing/);
    expect(first!.webhooksPerSecond).toBeCloseTo(200);
    expect(second!.name).toMatch(/warm throughput/);
    expect(second!.webhooksPerSecond).toBeCloseTo(4000 / 15);
    expect(third!.name).toMatch(/attention index/);
    expect(third!.webhooksPerSecond).toBeCloseTo(500);
  });

  it('drops the stream limit once a shard outpaces its partition', () => {
    // 100/s per shard against 66.7/s per partition: each new partition brings a shard that keeps up.
    expect(streamShardThroughput(simple.assumptions)).toBeCloseTo(100);
    const stream = limits(simple).find((l) => /Stream processing/.test(l.name))!;
    expect(stream.webhooksPerSecond).toBe(Number.POSITIVE_INFINITY);
  });

  it("runs a batch's records at once: a batch lasts as long as its slowest record", () => {
    // 10 records at once, the slowest 2 × 20 ms → 40 ms per batch of 10 → 250/s per shard.
    const atOnce = { ...simple.assumptions, processPerRecordMs: 20, recordsAtOnce: 10 };
    expect(streamShardThroughput(atOnce)).toBeCloseTo(250);
    // 5 at once: two waves of 40 ms.
    expect(streamShardThroughput({ ...atOnce, recordsAtOnce: 5 })).toBeCloseTo(125);
    // More at once than a batch holds changes nothing.
    expect(streamShardThroughput({ ...atOnce, recordsAtOnce: 50 })).toBeCloseTo(250);
  });

  it('lifts the stream limit with a higher ParallelizationFactor', () => {
    const parallel = limits({
      ...simple,
      assumptions: { ...simple.assumptions, processPerRecordMs: 20, parallelizationFactor: 10 },
    });
    const stream = parallel.find((l) => /Stream processing/.test(l.name))!;
    expect(stream.webhooksPerSecond).toBe(Number.POSITIVE_INFINITY);
    expect(parallel.at(-1)).toBe(stream);
  });
});
