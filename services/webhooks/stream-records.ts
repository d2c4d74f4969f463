import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { withoutKeys } from '../../stack/table-schema.js';
import { errorFields } from '../shared/logger.js';
import { type ProcessDependencies, processAttempt } from './process-webhook.js';
import type { Webhook } from './webhook.js';

/**
 * The first attempt of each webhook a batch of stream records (INSERTs of WEBHOOK items)
 * carries, up to `concurrency` at once. Each record is a different webhook, and nothing relies
 * on the order of two webhooks (events arrive out of order anyway; projections keep the newest),
 * so with the whole batch at once it takes as long as its slowest record, not the sum of them:
 * on AWS that is what lifts a shard's throughput (docs/capacity.md). Every failed record is
 * reported; Lambda resumes the shard from the lowest one, and the records after it that had
 * succeeded find their attempt done.
 */
export async function processStreamRecords(
  deps: ProcessDependencies,
  records: readonly DynamoDBRecord[],
  options: { concurrency: number },
): Promise<DynamoDBBatchResponse['batchItemFailures']> {
  const failed = await mapWithConcurrency(
    records,
    options.concurrency,
    async (record): Promise<string | undefined> => {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
      try {
        const image = record.dynamodb?.NewImage;
        if (!image)
          throw new Error('The stream record has no new image; the stream must send NEW_IMAGE.');
        const webhook = withoutKeys<Webhook>(unmarshall(image as Record<string, AttributeValue>));
        const report = await processAttempt(deps, webhook, { source: 'stream' });
        return report.ack ? undefined : sequenceNumber;
      } catch (error) {
        deps.log.error(
          { event: 'record.failed', sequenceNumber, ...errorFields(error) },
          'stream record failed',
        );
        return sequenceNumber;
      }
    },
  );
  return failed
    .filter((sequenceNumber) => sequenceNumber !== undefined)
    .map((itemIdentifier) => ({ itemIdentifier }));
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
