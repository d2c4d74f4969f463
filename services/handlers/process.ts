import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { processStreamRecords } from '../webhooks/stream-records.js';
import { processDependencies } from './process-dependencies.js';

/** DynamoDB stream (INSERT of a webhook item): the first processing attempt. */
export async function handler(
  event: DynamoDBStreamEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<DynamoDBBatchResponse> {
  const failures = await processStreamRecords(processDependencies(), event.Records, {
    concurrency: getSettings().streamRecordConcurrency,
    ...(context ? { invocation: { timeLeftMs: () => context.getRemainingTimeInMillis() } } : {}),
  });
  return { batchItemFailures: failures };
}
