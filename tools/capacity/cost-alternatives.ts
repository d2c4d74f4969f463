/*
 * What each design change would do to the cost per million webhooks, from the same prices and
 * assumptions as the cost table: which write units it adds or removes, and what it gives up.
 * Pure: inputs in, figures out.
 */
import {
  type Assumptions,
  type CapacityInputs,
  costPerMillion,
  usagePerWebhook,
  writeUnits,
} from './capacity-model.js';

/** S3 Standard, us-east-1 (https://aws.amazon.com/s3/pricing/): PUT, GET per million, GB-month. */
const S3_PUT_PER_MILLION = 5;
const S3_GET_PER_MILLION = 0.4;
const S3_GB_MONTH = 0.023;
/** A WEBHOOK item holding the S3 key, size and SHA-256 instead of the payload. */
const POINTER_ITEM_BYTES = 200;

export interface WriteUnitLine {
  readonly write: string;
  readonly units: number;
  readonly why: string;
}

/** The write request units of one webhook on the happy path, write by write. */
export function writeUnitsPerWebhook(a: Assumptions): WriteUnitLine[] {
  return [
    {
      write: 'capture: WEBHOOK put, in the transaction',
      units: writeUnits(a.webhookItemBytes, true),
      why: `${a.webhookItemBytes} B item: ${writeUnits(a.webhookItemBytes)} unit(s) per KB started, doubled by TransactWriteItems`,
    },
    {
      write: 'capture: STATUS put, in the transaction',
      units: writeUnits(a.statusItemBytes, true),
      why: `${a.statusItemBytes} B item, doubled by TransactWriteItems`,
    },
    {
      write: 'process: claim (received → processing)',
      units: writeUnits(a.statusItemBytes),
      why: 'conditional UpdateItem, billed on the larger of the item before and after',
    },
    {
      write: "process: the processor's projection",
      units: writeUnits(a.projectionItemBytes),
      why: 'the per-resource latest-wins record',
    },
    {
      write: 'process: finish (processing → completed)',
      units: writeUnits(a.statusItemBytes),
      why: 'conditional UpdateItem',
    },
    {
      write: 'attention index (GSI) on those writes',
      units: a.indexWriteUnitsPerWebhook,
      why: 'enters on capture, moves on claim (a delete and a put), leaves on completed',
    },
  ];
}

export interface Alternative {
  readonly change: string;
  /** USD per million webhooks, positive when it costs more. */
  readonly usdPerMillion: number;
  readonly writeUnitsPerWebhook: number;
  /** Whether every guarantee (stored before 202, none lost, effect once, failures visible) holds. */
  readonly keepsGuarantees: boolean;
  readonly note: string;
}

/** Each change, priced against the inputs' assumptions. */
export function alternatives(inputs: CapacityInputs): Alternative[] {
  const a = inputs.assumptions;
  const p = inputs.prices;
  const wruPrice = p.dynamodbWriteRequestUnitsPerMillion.value;
  const total = (assumptions: Assumptions) =>
    costPerMillion({ ...inputs, assumptions }).reduce((sum, line) => sum + line.usdPerMillion, 0);
  const base = total(a);
  const delta = (assumptions: Partial<Assumptions>) => total({ ...a, ...assumptions }) - base;
  const wruDelta = (units: number) => units * wruPrice;
  const noTransaction =
    writeUnits(a.webhookItemBytes) +
    writeUnits(a.statusItemBytes) -
    (writeUnits(a.webhookItemBytes, true) + writeUnits(a.statusItemBytes, true));
  const sparseIndex = a.failureRate * 2 - a.indexWriteUnitsPerWebhook;
  const shortestRetention = 7;
  return [
    {
      change:
        "waking the local stream poller on a write; warm environments; no tsx in workers; DynamoDB Local's warm-up before ready; the stream checkpoint written 200 ms late",
      usdPerMillion: 0,
      writeUnitsPerWebhook: 0,
      keepsGuarantees: true,
      note: "the emulator's own work: on AWS, Lambda's poller reads the stream (free for triggers) and checkpoints it, environments are AWS's, and DynamoDB has no JVM to warm",
    },
    {
      change: 'capture as two conditional puts (WEBHOOK, then STATUS) instead of one transaction',
      usdPerMillion: wruDelta(noTransaction),
      writeUnitsPerWebhook: noTransaction,
      keepsGuarantees: true,
      note: 'WEBHOOK with attribute_not_exists still decides new or duplicate and is stored before the 202; a crash between the puts leaves a WEBHOOK without STATUS, so the claim must create a missing STATUS (attribute_not_exists or received) and the sweeper must look for WEBHOOK items without one. Not done here: the ledger, the claim and the sweeper change together',
    },
    {
      change:
        'a sparse attention index: only failed and dead webhooks (and leases) carry the index key',
      usdPerMillion: wruDelta(sparseIndex),
      writeUnitsPerWebhook: sparseIndex,
      keepsGuarantees: false,
      note: 'the sweeper then cannot find a webhook still `received` (its stream attempt lost) or stuck in `processing` by the index; it would need another way (a scan, or a time-bucketed key written once), so as it stands it weakens "none lost"',
    },
    {
      change: 'no claim write: process straight from received to completed',
      usdPerMillion: wruDelta(-writeUnits(a.statusItemBytes) - 2),
      writeUnitsPerWebhook: -writeUnits(a.statusItemBytes) - 2,
      keepsGuarantees: false,
      note: 'two attempts at once (a stream retry beside an SQS retry, a sweeper re-enqueue) could both run the effect, and a crashed attempt would have no lease to time out: drops "effect once" to the processors\' own idempotency',
    },
    {
      change: `retention ${a.retentionDays} → ${shortestRetention} days`,
      usdPerMillion: delta({ retentionDays: shortestRetention }),
      writeUnitsPerWebhook: 0,
      keepsGuarantees: true,
      note: 'still longer than every sender retries (Stripe 3 days, Standard Webhooks 75 h, BigCommerce 48 h), so late duplicates are still recognised; the operator has a week to look at a dead webhook',
    },
    {
      change: 'function URL instead of the HTTP API as the ingress',
      usdPerMillion: -p.apiGatewayHttpPerMillion.value,
      writeUnitsPerWebhook: 0,
      keepsGuarantees: true,
      note: "the stack's `function-url` ingress (STACK_INGRESS); it loses the route throttle, so a flood is bounded only by the capture function's reserved concurrency",
    },
    {
      change: 'half the log bytes per webhook (fewer lines, shorter fields)',
      usdPerMillion: delta({ functionLogBytesPerWebhook: a.functionLogBytesPerWebhook / 2 }),
      writeUnitsPerWebhook: 0,
      keepsGuarantees: true,
      note: 'every non-2xx and every attempt outcome still logged; the milestones (attempt.started) are what would go',
    },
    {
      change: 'fuller stream batches (a batching window of 1 s, 10 records per invocation)',
      usdPerMillion: delta({ processBatchFill: a.streamBatchSize }),
      writeUnitsPerWebhook: 0,
      keepsGuarantees: true,
      note: 'up to 1 s more latency at low rates for fewer process invocations; small',
    },
    {
      change: 'every payload in S3 (claim check), a 200 B pointer in the item',
      usdPerMillion:
        delta({ webhookItemBytes: POINTER_ITEM_BYTES }) +
        S3_PUT_PER_MILLION +
        S3_GET_PER_MILLION +
        ((a.webhookItemBytes * 1e6) / 1e9) * (a.retentionDays / 30.4) * S3_GB_MONTH,
      writeUnitsPerWebhook:
        writeUnits(POINTER_ITEM_BYTES, true) - writeUnits(a.webhookItemBytes, true),
      keepsGuarantees: true,
      note: `an S3 PUT and GET ($${S3_PUT_PER_MILLION} + $${S3_GET_PER_MILLION} per million) cost more than the write units and storage a ${a.webhookItemBytes} B payload takes inline: worth it for size (the 400 KB item limit), not for cost`,
    },
  ];
}

/** The changes that keep every guarantee and save money, together, and what they come to. */
export function cheapestDesign(inputs: CapacityInputs): {
  readonly changes: readonly string[];
  readonly usdPerMillion: number;
  readonly baseUsdPerMillion: number;
  readonly writeUnitsPerWebhook: number;
} {
  const base = costPerMillion(inputs).reduce((sum, line) => sum + line.usdPerMillion, 0);
  const chosen = alternatives(inputs).filter((x) => x.keepsGuarantees && x.usdPerMillion < 0);
  return {
    changes: chosen.map((x) => x.change),
    usdPerMillion: base + chosen.reduce((sum, x) => sum + x.usdPerMillion, 0),
    baseUsdPerMillion: base,
    writeUnitsPerWebhook:
      usagePerWebhook(inputs.assumptions).writeUnits +
      chosen.reduce((sum, x) => sum + x.writeUnitsPerWebhook, 0),
  };
}
