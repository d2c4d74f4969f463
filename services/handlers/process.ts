import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { processStreamRecords } from '../webhooks/stream-records.js';
import { processDependencies } from './process-dependencies.js';

/** DynamoDB stream (INSERT of a webhook item): the first processing attempt. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return { batchItemFailures: await processStreamRecords(processDependencies(), event.Records) };
}
