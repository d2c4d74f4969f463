import { EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { withoutKeys } from '../../stack/table-schema.js';
import { errorFields } from '../shared/logger.js';
import { BoundedBatchProcessor, RedeliverRecord } from './batch-processor.js';
import {
  type AttemptReport,
  type Invocation,
  type ProcessDependencies,
  processAttempt,
} from './process-webhook.js';
import type { Webhook } from './webhook.js';
import { fromWebhookItem } from './webhook-item.js';

/** Told each attempt's report, with the webhook it was about (the handler records metrics). */
export type AttemptObserver = (webhook: Webhook, report: AttemptReport) => void;

/**
 * The first attempt of each webhook a batch of stream records (INSERTs of WEBHOOK items)
 * carries, up to `concurrency` at once. Each record is a different webhook, and nothing relies
 * on the order of two webhooks (events arrive out of order anyway; projections keep the newest),
 * so with the whole batch at once it takes as long as its slowest record, not the sum of them:
 * on AWS that is what lifts a shard's throughput (docs/capacity.md). Every failed record is
 * reported (Powertools Batch); Lambda resumes the shard from the lowest one, and the records
 * after it that had succeeded find their attempt done. A batch whose every record failed is
 * reported too, not thrown, so it is retried as a whole rather than bisected as a crash.
 */
export async function processStreamRecords(
  deps: ProcessDependencies,
  records: readonly DynamoDBRecord[],
  options: { concurrency: number; onAttempt?: AttemptObserver; invocation?: Invocation },
): Promise<DynamoDBBatchResponse['batchItemFailures']> {
  const processor = new BoundedBatchProcessor(
    EventType.DynamoDBStreams,
    options.concurrency,
    deps.log,
  );
  const response = await processPartialResponse(
    { Records: [...records] },
    (record: DynamoDBRecord) => processStreamRecord(deps, record, options),
    processor,
    { throwOnFullBatchFailure: false },
  );
  return response.batchItemFailures;
}

async function processStreamRecord(
  deps: ProcessDependencies,
  record: DynamoDBRecord,
  { onAttempt, invocation }: { onAttempt?: AttemptObserver; invocation?: Invocation },
) {
  let report: AttemptReport;
  try {
    const image = record.dynamodb?.NewImage;
    if (!image)
      throw new Error('The stream record has no new image; the stream must send NEW_IMAGE.');
    const webhook = fromWebhookItem(
      withoutKeys(unmarshall(binaryAsBytes(image as Record<string, unknown>))),
    );
    report = await processAttempt(deps, webhook, { source: 'stream' }, invocation);
    onAttempt?.(webhook, report);
  } catch (error) {
    deps.log.error(
      {
        event: 'record.failed',
        sequenceNumber: record.dynamodb?.SequenceNumber,
        ...errorFields(error),
      },
      'stream record failed',
    );
    throw error;
  }
  if (!report.ack) throw new RedeliverRecord(report.reason ?? report.result);
}

/**
 * A stream record's image arrives as JSON, its Binary attributes (an inline body) as base64 text;
 * the SDK's unmarshall expects bytes for them.
 */
function binaryAsBytes(image: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image as Record<string, { B?: unknown }>)) {
    out[name] =
      typeof value.B === 'string'
        ? { B: Buffer.from(value.B, 'base64') }
        : (value as AttributeValue);
  }
  return out;
}
