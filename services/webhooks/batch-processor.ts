import { BatchProcessor, type EventType } from '@aws-lambda-powertools/batch';
import type { Logger } from '../shared/logger.js';

/**
 * Powertools' BatchProcessor, with at most `concurrency` records in flight: Powertools runs a
 * batch's records all at once or one by one, and the stream's per-record concurrency is a
 * profile number (docs/capacity.md). The rest is Powertools': one record handler, a record
 * fails by throwing, and the failures are collected as the trigger expects (the stream's
 * sequence numbers, from whose lowest Lambda resumes the shard; SQS's message ids).
 */
export class BoundedBatchProcessor extends BatchProcessor {
  readonly #concurrency: number;

  constructor(eventType: keyof typeof EventType, concurrency: number, log: Logger) {
    super(eventType, { logger: log });
    this.#concurrency = concurrency;
  }

  override async process() {
    this.prepare();
    const processed = await mapWithConcurrency(this.records, this.#concurrency, (record) =>
      this.processRecord(record),
    );
    this.clean();
    return processed;
  }
}

/**
 * Thrown by a record handler whose record must come again although nothing broke (a webhook
 * under another attempt's lease, a dead webhook's message left for the DLQ): Powertools reports
 * a record as failed only when its handler throws.
 */
export class RedeliverRecord extends Error {
  override readonly name = 'RedeliverRecord';
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
