import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { errorFields } from '../shared/logger.js';
import { type ProcessDependencies, processAttempt } from './process-webhook.js';
import type { Webhook } from './webhook.js';

/**
 * The first attempt of each webhook a batch of stream records (INSERTs of WEBHOOK items)
 * carries, all at once. Each record is a different webhook, and nothing relies on the order of
 * two webhooks (events arrive out of order anyway; projections keep the newest), so a batch
 * takes as long as its slowest record, not the sum of them: on AWS that is what lifts a shard's
 * throughput (docs/capacity.md). Every failed record is reported; Lambda resumes the shard from
 * the lowest one, and the records after it that had succeeded find their attempt done.
 */
export async function processStreamRecords(
  deps: ProcessDependencies,
  records: readonly DynamoDBRecord[],
): Promise<DynamoDBBatchResponse['batchItemFailures']> {
  const failed = await Promise.all(
    records.map(async (record) => {
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
        return report.ack ? undefined : sequenceNumber;
      } catch (error) {
        deps.log.error(
          { event: 'record.failed', sequenceNumber, ...errorFields(error) },
          'stream record failed',
        );
        return sequenceNumber;
      }
    }),
  );
  return failed
    .filter((sequenceNumber) => sequenceNumber !== undefined)
    .map((itemIdentifier) => ({ itemIdentifier }));
}
