import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { errorFields, logger } from '../shared/logger.js';
import { processAttempt } from '../webhooks/process-webhook.js';
import type { Webhook } from '../webhooks/webhook.js';
import { processDependencies } from './process-dependencies.js';

/** DynamoDB stream (INSERT of a webhook item): the first processing attempt. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const deps = processDependencies();
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  // In order: the stream resumes from the first failure, so later records would run again anyway.
  for (const record of event.Records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
    try {
      const image = record.dynamodb?.NewImage;
      if (!image)
        throw new Error('The stream record has no new image; the stream must send NEW_IMAGE.');
      const {
        PK: _pk,
        SK: _sk,
        expiresAt: _ttl,
        ...webhook
      } = unmarshall(image as Record<string, AttributeValue>);
      const report = await processAttempt(deps, webhook as Webhook, { source: 'stream' });
      if (!report.ack) batchItemFailures.push({ itemIdentifier: sequenceNumber });
    } catch (error) {
      logger.error(
        { event: 'record.failed', sequenceNumber, ...errorFields(error) },
        'stream record failed',
      );
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
    }
  }
  return { batchItemFailures };
}
