import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { getMetrics, publishingMetrics } from '../shared/metrics.js';
import { processStreamRecords } from '../webhooks/stream-records.js';
import { recordAttempt } from '../webhooks/webhook-metrics.js';
import { processDependencies } from './process-dependencies.js';

/** DynamoDB stream (INSERT of a webhook item): the first processing attempt. */
export const handler = publishingMetrics(
  async (
    event: DynamoDBStreamEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<DynamoDBBatchResponse> => {
    const failures = await processStreamRecords(processDependencies(), event.Records, {
      concurrency: getSettings().streamRecordConcurrency,
      onAttempt: (webhook, report) => recordAttempt(getMetrics(), webhook, report),
      ...(context ? { invocation: { timeLeftMs: () => context.getRemainingTimeInMillis() } } : {}),
    });
    return { batchItemFailures: failures };
  },
);
