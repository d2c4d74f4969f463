import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { errorFields, logger } from '../shared/logger.js';
import { parseFailedQueueMessage } from '../webhooks/failed-queue.js';
import { processAttempt } from '../webhooks/process-webhook.js';
import { processDependencies } from './process-dependencies.js';

/** Failed-webhooks queue: the retries. A failure stays on the queue until SQS redelivers it. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const deps = processDependencies();
  const maxReceiveCount = getSettings().maxReceiveCount;
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = parseFailedQueueMessage(record.body);
        const webhook = message.webhook ?? (await deps.ledger.getWebhook(message.id));
        if (!webhook) {
          logger.warn(
            { event: 'retry.unknown', webhookId: message.id },
            'no such webhook; dropping the message',
          );
          return;
        }
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        const report = await processAttempt(deps, webhook, {
          source: 'queue',
          receiveCount,
          maxReceiveCount,
          queueToken: message.queueToken,
        });
        if (!report.ack) batchItemFailures.push({ itemIdentifier: record.messageId });
      } catch (error) {
        logger.error(
          { event: 'record.failed', messageId: record.messageId, ...errorFields(error) },
          'queue record failed',
        );
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures };
}
