import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { processQueueRecords } from '../webhooks/queue-records.js';
import { processDependencies } from './process-dependencies.js';

/** Failed-webhooks queue: the retries. A failure stays on the queue until SQS redelivers it. */
export async function handler(
  event: SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SQSBatchResponse> {
  const batchItemFailures = await processQueueRecords(processDependencies(), event.Records, {
    maxReceiveCount: getSettings().maxReceiveCount,
    ...(context ? { invocation: { timeLeftMs: () => context.getRemainingTimeInMillis() } } : {}),
  });
  return { batchItemFailures };
}
