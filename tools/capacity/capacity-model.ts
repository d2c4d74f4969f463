/*
 * The arithmetic behind docs/capacity.md: what one webhook costs on AWS, by service, and which
 * quota stops growth first. Pure: prices, quotas and assumptions come in, figures go out.
 */

export interface Sourced {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  readonly note?: string;
}

export interface Quota extends Sourced {
  readonly adjustable: boolean;
  /** What to do when this quota is the one in the way. */
  readonly raise: string;
}

export interface Prices {
  readonly apiGatewayHttpPerMillion: Sourced;
  readonly lambdaRequestsPerMillion: Sourced;
  readonly lambdaArmGbSecond: Sourced;
  readonly dynamodbWriteRequestUnitsPerMillion: Sourced;
  readonly dynamodbReadRequestUnitsPerMillion: Sourced;
  readonly dynamodbStorageGbMonth: Sourced;
  readonly dynamodbStreamsReadRequestsPer100k: Sourced;
  readonly sqsStandardPerMillion: Sourced;
  readonly cloudwatchLogsIngestionPerGb: Sourced;
}

export interface Quotas {
  readonly apiGatewayAccountRps: Quota;
  readonly apiGatewayAccountBurst: Quota;
  readonly lambdaAccountConcurrency: Quota;
  readonly lambdaScalingPer10Seconds: Quota;
  readonly dynamodbTableWriteUnitsPerSecond: Quota;
  readonly dynamodbNewTableWarmWriteUnitsPerSecond: Quota;
  readonly dynamodbPartitionWriteUnitsPerSecond: Quota;
  readonly streamParallelizationFactorMax: Quota;
}

export interface Assumptions {
  /** The WEBHOOK item: raw payload, kept headers, attribute names. */
  readonly webhookItemBytes: number;
  /** The STATUS item (with its attempt log). */
  readonly statusItemBytes: number;
  /** The per-resource projection item a processor writes. */
  readonly projectionItemBytes: number;
  readonly memoryMb: number;
  /** Billed duration of one capture invocation. */
  readonly captureDurationMs: number;
  /** Billed time per stream record inside the process function (claim, processor, finish). */
  readonly processPerRecordMs: number;
  /** Per process invocation, whatever its batch (unmarshalling, handler overhead). */
  readonly processInvocationOverheadMs: number;
  /** Records per process invocation (10 at most; fewer when traffic is light). */
  readonly processBatchFill: number;
  readonly streamBatchSize: number;
  /** Fraction of webhooks whose first attempt fails and which take one retry from SQS. */
  readonly failureRate: number;
  readonly retentionDays: number;
  /** The functions' own log lines per webhook (capture + process). */
  readonly functionLogBytesPerWebhook: number;
  /** Lambda's START/END/REPORT lines, per invocation. */
  readonly platformLogBytesPerInvocation: number;
  /**
   * Writes to the `attention` index per webhook: the STATUS item enters it on create, moves
   * from ATTN#received to ATTN#processing on claim (a delete and a put), leaves on completed.
   */
  readonly indexWriteUnitsPerWebhook: number;
  /** Of those, the most that land on one index partition key (ATTN#received: a put, a delete). */
  readonly indexHotKeyWriteUnitsPerWebhook: number;
  /** Stream shards a new on-demand table starts with (its partitions). */
  readonly initialStreamShards: number;
  /** The event source mapping's ParallelizationFactor (the stack leaves it at 1). */
  readonly parallelizationFactor: number;
  /** Records of one batch the process function runs at once (services/webhooks/stream-records.ts). */
  readonly recordsAtOnce: number;
  /** How much longer than a typical record a batch of records run at once lasts (its slowest). */
  readonly slowestRecordFactor: number;
}

export interface CapacityInputs {
  readonly checked: string;
  readonly region: string;
  readonly prices: Prices;
  readonly quotas: Quotas;
  readonly assumptions: Assumptions;
}

const KB = 1024;
const GB = 1e9;
const MILLION = 1e6;

/** DynamoDB bills writes per 1 KB (rounded up) and transactional writes twice. */
export function writeUnits(itemBytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(itemBytes / KB)) * (transactional ? 2 : 1);
}

export interface UsagePerWebhook {
  readonly apiRequests: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** GB-months of table storage, over the retention period. */
  readonly storageGbMonths: number;
  readonly sqsRequests: number;
  readonly logBytes: number;
}

/** What one webhook consumes on the happy path, plus its share of the failure path. */
export function usagePerWebhook(a: Assumptions): UsagePerWebhook {
  const gb = a.memoryMb / 1024;
  const captureWrites = writeUnits(a.webhookItemBytes, true) + writeUnits(a.statusItemBytes, true);
  // claim, the processor's projection update, finish: updates bill by the larger item image.
  const processWrites = 2 * writeUnits(a.statusItemBytes) + writeUnits(a.projectionItemBytes);
  // A failed first attempt: finish(failed), markEnqueued, then a retry's claim and finish.
  const failureWrites = 4 * writeUnits(a.statusItemBytes);
  const processInvocations = 1 / a.processBatchFill;
  const retryInvocations = a.failureRate; // one message per invocation at worst
  const lambdaRequests = 1 + processInvocations + retryInvocations;
  const lambdaMs =
    a.captureDurationMs +
    a.processPerRecordMs +
    a.processInvocationOverheadMs * processInvocations +
    a.failureRate * (2 * a.processPerRecordMs + a.processInvocationOverheadMs);
  // SendMessage, ReceiveMessage, DeleteMessage per failed webhook, each per 64 KB chunk.
  const sqsChunks = Math.max(1, Math.ceil(a.webhookItemBytes / (64 * KB)));
  const storageBytes = a.webhookItemBytes + a.statusItemBytes + 2 * 100; // 100 B item overhead
  return {
    apiRequests: 1,
    lambdaRequests,
    lambdaGbSeconds: (lambdaMs / 1000) * gb,
    writeUnits:
      captureWrites + processWrites + a.indexWriteUnitsPerWebhook + a.failureRate * failureWrites,
    readUnits: 0, // the stream carries the new image: the happy path reads nothing
    storageGbMonths: (storageBytes / GB) * (a.retentionDays / 30.4),
    sqsRequests: a.failureRate * 3 * sqsChunks,
    logBytes: a.functionLogBytesPerWebhook + a.platformLogBytesPerInvocation * lambdaRequests,
  };
}

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly usagePerMillion: string;
  readonly usdPerMillion: number;
}

/** USD per million webhooks, by service and line item. */
export function costPerMillion(inputs: CapacityInputs): CostLine[] {
  const u = usagePerWebhook(inputs.assumptions);
  const p = inputs.prices;
  const m = (x: number) => x * MILLION;
  return [
    {
      service: 'API Gateway (HTTP API)',
      item: 'requests',
      usagePerMillion: `${fmt(m(u.apiRequests) / MILLION)} M requests`,
      usdPerMillion: u.apiRequests * p.apiGatewayHttpPerMillion.value,
    },
    {
      service: 'Lambda',
      item: 'requests',
      usagePerMillion: `${fmt(m(u.lambdaRequests) / MILLION)} M invocations`,
      usdPerMillion: u.lambdaRequests * p.lambdaRequestsPerMillion.value,
    },
    {
      service: 'Lambda',
      item: 'duration (arm64)',
      usagePerMillion: `${fmt(m(u.lambdaGbSeconds))} GB-s`,
      usdPerMillion: m(u.lambdaGbSeconds) * p.lambdaArmGbSecond.value,
    },
    {
      service: 'DynamoDB (on demand)',
      item: 'write request units',
      usagePerMillion: `${fmt(u.writeUnits)} M WRU`,
      usdPerMillion: u.writeUnits * p.dynamodbWriteRequestUnitsPerMillion.value,
    },
    {
      service: 'DynamoDB (on demand)',
      item: 'read request units',
      usagePerMillion: `${fmt(u.readUnits)} M RRU`,
      usdPerMillion: u.readUnits * p.dynamodbReadRequestUnitsPerMillion.value,
    },
    {
      service: 'DynamoDB (on demand)',
      item: `storage for ${inputs.assumptions.retentionDays} days`,
      usagePerMillion: `${fmt(m(u.storageGbMonths))} GB-months`,
      usdPerMillion: m(u.storageGbMonths) * p.dynamodbStorageGbMonth.value,
    },
    {
      service: 'DynamoDB Streams',
      item: 'GetRecords by the Lambda trigger',
      usagePerMillion: 'free for Lambda triggers',
      usdPerMillion: 0,
    },
    {
      service: 'SQS (standard)',
      item: `requests (${fmt(inputs.assumptions.failureRate * 100)} % of webhooks retried)`,
      usagePerMillion: `${fmt(m(u.sqsRequests))} requests`,
      usdPerMillion: u.sqsRequests * p.sqsStandardPerMillion.value,
    },
    {
      service: 'CloudWatch Logs',
      item: 'ingestion',
      usagePerMillion: `${fmt(m(u.logBytes) / GB)} GB`,
      usdPerMillion: (m(u.logBytes) / GB) * p.cloudwatchLogsIngestionPerGb.value,
    },
  ];
}

export interface Limit {
  readonly name: string;
  /** The sustained webhooks per second at which this limit is reached. */
  readonly webhooksPerSecond: number;
  readonly why: string;
  readonly raise: string;
}

/** Each quota as a ceiling on sustained webhooks/s, lowest (the first one hit) first. */
export function limits(inputs: CapacityInputs): Limit[] {
  const a = inputs.assumptions;
  const q = inputs.quotas;
  const u = usagePerWebhook(a);
  const wru = u.writeUnits;
  const perShard = streamShardThroughput(a);
  const processConcurrency = a.initialStreamShards * a.parallelizationFactor;
  const captureSeconds = a.captureDurationMs / 1000;
  // A shard keeps up with its partition only if it processes what a full partition writes.
  const partitionRate = q.dynamodbPartitionWriteUnitsPerSecond.value / wru;
  const streamLimit =
    perShard >= partitionRate ? Number.POSITIVE_INFINITY : a.initialStreamShards * perShard;
  const list: Limit[] = [
    {
      name: 'API Gateway account throttle',
      webhooksPerSecond: q.apiGatewayAccountRps.value,
      why: `${q.apiGatewayAccountRps.value} requests/s per account and Region, shared by every API (burst ${q.apiGatewayAccountBurst.value}); beyond it senders get 429 and retry`,
      raise: q.apiGatewayAccountRps.raise,
    },
    {
      name: 'Lambda concurrency (account)',
      webhooksPerSecond: (q.lambdaAccountConcurrency.value - processConcurrency) / captureSeconds,
      why: `capture needs rate × ${fmt(a.captureDurationMs)} ms of concurrency, and the stream consumer ${processConcurrency} (shards × ParallelizationFactor), out of ${q.lambdaAccountConcurrency.value}`,
      raise: q.lambdaAccountConcurrency.raise,
    },
    {
      name: 'DynamoDB table write throughput',
      webhooksPerSecond: q.dynamodbTableWriteUnitsPerSecond.value / wru,
      why: `${fmt(wru)} WRU per webhook (capture transaction, claim, projection, finish, attention index) against ${q.dynamodbTableWriteUnitsPerSecond.value} WRU/s per on-demand table`,
      raise: q.dynamodbTableWriteUnitsPerSecond.raise,
    },
    {
      name: 'DynamoDB attention index: one partition key per status',
      webhooksPerSecond:
        q.dynamodbPartitionWriteUnitsPerSecond.value / a.indexHotKeyWriteUnitsPerWebhook,
      why: `every webhook puts and deletes an ATTN#received entry (${a.indexHotKeyWriteUnitsPerWebhook} WRU on one index key); a key's sort key (time, id) only grows, so DynamoDB cannot split it for heat and it stays within one partition's ${q.dynamodbPartitionWriteUnitsPerSecond.value} WRU/s; a throttled index throttles the table's writes, and capture answers 503`,
      raise:
        'spread each status over N index keys (ATTN#received#<hash of id mod N>) and query the N keys; or keep only statuses that need attention (failed, dead, stuck) in the index',
    },
    {
      name: 'DynamoDB warm throughput of a new table',
      webhooksPerSecond: q.dynamodbNewTableWarmWriteUnitsPerSecond.value / wru,
      why: `a new on-demand table serves ${q.dynamodbNewTableWarmWriteUnitsPerSecond.value} WRU/s at once; above that, a sudden burst can be throttled while the table scales`,
      raise: q.dynamodbNewTableWarmWriteUnitsPerSecond.raise,
    },
    {
      name: 'Stream processing (process function)',
      webhooksPerSecond: streamLimit,
      why: `one batch of ${a.streamBatchSize} at a time per shard (ParallelizationFactor ${a.parallelizationFactor}), ${a.recordsAtOnce} of its records at once, a batch as long as its slowest record (${fmt(a.slowestRecordFactor)}× a typical one): ${fmt(perShard)} webhooks/s per shard, ${a.initialStreamShards} shards, while a full partition writes ${fmt(partitionRate)}/s; beyond it capture still answers 202 but processing falls behind (stream records live 24 h)`,
      raise: `raise the event source's ParallelizationFactor (up to ${q.streamParallelizationFactorMax.value}; Lambda keeps the order per item key) (it multiplies the per-shard rate), or a larger batch size (records already run at once)`,
    },
  ];
  return list.sort((x, y) => x.webhooksPerSecond - y.webhooksPerSecond);
}

/** Webhooks per second one stream shard can process. */
export function streamShardThroughput(a: Assumptions): number {
  // Under sustained load every batch is full. Records run in waves of `recordsAtOnce`; a wave of
  // more than one lasts as long as its slowest record.
  const batch = a.streamBatchSize;
  const atOnce = Math.max(1, Math.min(a.recordsAtOnce, batch));
  const waves = Math.ceil(batch / atOnce);
  const waveMs = atOnce > 1 ? a.processPerRecordMs * a.slowestRecordFactor : a.processPerRecordMs;
  const batchMs = waves * waveMs + a.processInvocationOverheadMs;
  return (a.parallelizationFactor * batch * 1000) / batchMs;
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '∞';
  if (value === 0) return '0';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 1) return value.toFixed(2).replace(/\.?0+$/, '');
  return value.toPrecision(2);
}

export { fmt as formatNumber };

/** The `aws` profile's flood protection (stack/profile.ts). */
export interface FloodLimits {
  readonly routeRateLimit: number;
  readonly routeBurstLimit: number;
  readonly captureReservedConcurrency: number;
}

export interface FloodCost {
  /** Requests per second that reach capture during a flood: the route throttle. */
  readonly requestsPerSecond: number;
  /** USD per hour of a flood at that rate, every request reaching capture and refused there. */
  readonly usdPerHour: number;
  /** The same without a route throttle: the account's API Gateway quota. */
  readonly usdPerHourUnthrottled: number;
  /** Capture requests/s the reserved concurrency sustains at the assumed capture duration. */
  readonly reservedSustainsPerSecond: number;
}

/**
 * What an unsigned flood costs per hour. Each refused request is an API request, one capture
 * invocation of about the capture duration (an upper bound: a refusal writes nothing) and a log
 * line plus Lambda's platform lines; nothing reaches DynamoDB.
 */
export function floodCost(inputs: CapacityInputs, flood: FloodLimits): FloodCost {
  const { prices: p, assumptions: a, quotas: q } = inputs;
  const perRequest =
    p.apiGatewayHttpPerMillion.value / 1e6 +
    p.lambdaRequestsPerMillion.value / 1e6 +
    (a.captureDurationMs / 1000) * (a.memoryMb / 1024) * p.lambdaArmGbSecond.value +
    ((REFUSAL_LOG_BYTES + a.platformLogBytesPerInvocation) / 1e9) *
      p.cloudwatchLogsIngestionPerGb.value;
  return {
    requestsPerSecond: flood.routeRateLimit,
    usdPerHour: perRequest * flood.routeRateLimit * 3600,
    usdPerHourUnthrottled: perRequest * q.apiGatewayAccountRps.value * 3600,
    reservedSustainsPerSecond: flood.captureReservedConcurrency / (a.captureDurationMs / 1000),
  };
}

/** A `capture.rejected` warn line (provider, status, error name, code and message). */
const REFUSAL_LOG_BYTES = 400;
