import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { getMetrics, publishingMetrics } from '../shared/metrics.js';
import { processQueueRecords } from '../webhooks/queue-records.js';
import { recordAttempt } from '../webhooks/webhook-metrics.js';
import { processDependencies } from './process-dependencies.js';

/** Failed-webhooks queue: the retries. A failure stays on the queue until SQS redelivers it. */
export const handler = publishingMetrics(
  async (
    event: SQSEvent,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SQSBatchResponse> => {
    const batchItemFailures = await processQueueRecords(processDependencies(), event.Records, {
      maxReceiveCount: getSettings().maxReceiveCount,
      onAttempt: (webhook, report) => recordAttempt(getMetrics(), webhook, report),
      ...(context ? { invocation: { timeLeftMs: () => context.getRemainingTimeInMillis() } } : {}),
    });
    return { batchItemFailures };
  },
);
