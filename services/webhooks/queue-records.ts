import { EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { errorFields } from '../shared/logger.js';
import { BoundedBatchProcessor, RedeliverRecord } from './batch-processor.js';
import { parseFailedQueueMessage } from './failed-queue.js';
import { type Invocation, type ProcessDependencies, processAttempt } from './process-webhook.js';
import type { AttemptObserver } from './stream-records.js';

/**
 * The retries: each failed-queue message of a batch, all at once (each is a different
 * webhook's, or a superseded copy that loses its claim). A record that must come again is
 * reported (Powertools Batch) and SQS redelivers it after the visibility timeout; the rest are
 * deleted. A batch whose every record failed is reported too, not thrown.
 */
export async function processQueueRecords(
  deps: ProcessDependencies,
  records: readonly SQSRecord[],
  options: { maxReceiveCount: number; onAttempt?: AttemptObserver; invocation?: Invocation },
): Promise<SQSBatchResponse['batchItemFailures']> {
  const processor = new BoundedBatchProcessor(EventType.SQS, records.length, deps.log);
  const response = await processPartialResponse(
    { Records: [...records] },
    (record: SQSRecord) => processQueueRecord(deps, record, options),
    processor,
    { throwOnFullBatchFailure: false },
  );
  return response.batchItemFailures;
}

async function processQueueRecord(
  deps: ProcessDependencies,
  record: SQSRecord,
  {
    maxReceiveCount,
    onAttempt,
    invocation,
  }: { maxReceiveCount: number; onAttempt?: AttemptObserver; invocation?: Invocation },
): Promise<void> {
  let ack: boolean;
  let reason: string;
  try {
    const message = parseFailedQueueMessage(record.body);
    const webhook = await deps.ledger.getWebhook(message.id);
    if (!webhook) {
      deps.log.warn(
        { event: 'retry.unknown', webhookId: message.id },
        'no such webhook; dropping the message',
      );
      return;
    }
    const report = await processAttempt(
      deps,
      webhook,
      {
        source: 'queue',
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        maxReceiveCount,
        queueToken: message.queueToken,
        receiptHandle: record.receiptHandle,
      },
      invocation,
    );
    onAttempt?.(webhook, report);
    ack = report.ack;
    reason = report.reason ?? report.result;
  } catch (error) {
    deps.log.error(
      { event: 'record.failed', messageId: record.messageId, ...errorFields(error) },
      'queue record failed',
    );
    throw error;
  }
  if (!ack) throw new RedeliverRecord(reason);
}
