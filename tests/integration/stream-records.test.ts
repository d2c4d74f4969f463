import { SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../emulator/local-aws.js';
import { inlinePayload } from '../../services/processing/run-handler.js';
import {
  type WebhookHandlers,
  webhookHandlers,
} from '../../services/processing/webhook-handlers.js';
import {
  createFailedQueue,
  parseFailedQueueMessage,
} from '../../services/webhooks/failed-queue.js';
import { createOperatorNotifier } from '../../services/webhooks/operator-notifier.js';
import type { ProcessDependencies } from '../../services/webhooks/process-webhook.js';
import { processStreamRecords } from '../../services/webhooks/stream-records.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { toWebhookItem } from '../../services/webhooks/webhook-item.js';
import { webhookKey } from '../../stack/table-schema.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { webhookRecord } from '../helpers/webhook-record.js';

let storage: LocalStorage;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  storage = await startLocalStorage();
  const config = localClientConfig(storage.emulator.endpoints.sqs);
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  sns = new SNSClient(config);
});
afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  await storage?.stop();
});

function deps(handlers: WebhookHandlers): ProcessDependencies {
  const { outputs } = storage.emulator;
  return {
    ledger: storage.store().ledger,
    projections: storage.store().projections,
    failedQueue: createFailedQueue(sqs, outputs.FailedQueueUrl!),
    notifier: createOperatorNotifier(sns, outputs.OperatorTopicArn!),
    handlers,
    readPayload: inlinePayload,
    retryBackoff: { firstSeconds: 1, factor: 3 },
    leaseSeconds: 60,
    faultInjection: false,
    log: pino({ level: 'silent' }),
  };
}

let sequence = 1000;

/** A stored webhook and the stream record its INSERT produces (NEW_IMAGE). */
async function stored(eventType: string): Promise<{ webhook: Webhook; record: DynamoDBRecord }> {
  const webhook = webhookRecord({ eventType });
  expect(await storage.store().ledger.create(webhook)).toEqual({ outcome: 'created' });
  const image = marshall({ ...webhookKey(webhook.id), ...toWebhookItem(webhook) });
  return {
    webhook,
    record: {
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: String(++sequence),
        NewImage: image as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
      },
    },
  };
}

describe('a batch of stream records', () => {
  /**
   * Processes a batch of `size` webhooks whose processor waits until `expected` of them are
   * inside it at once (or gives up after 2 s), and returns how many ever were.
   */
  async function mostAtOnce(size: number, concurrency: number, expected: number) {
    let inFlight = 0;
    let most = 0;
    let reached!: () => void;
    const together = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const barrier = webhookHandlers().on('stripe', 'test.barrier', async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (most === expected) reached();
      await Promise.race([together, new Promise((r) => setTimeout(r, 2_000))]);
      inFlight -= 1;
    });
    const batch = await Promise.all(Array.from({ length: size }, () => stored('test.barrier')));
    const failures = await processStreamRecords(
      deps(barrier),
      batch.map((b) => b.record),
      { concurrency },
    );
    expect(failures).toEqual([]);
    for (const { webhook } of batch) {
      expect(await storage.store().ledger.getState(webhook.id)).toMatchObject({
        status: 'completed',
        attempts: 1,
      });
    }
    return most;
  }

  it('runs its records at once: all five are in their processor together', async () => {
    expect(await mostAtOnce(5, 10, 5)).toBe(5);
  });

  it('never runs more than its concurrency at once', async () => {
    // Were the limit ignored, all four would meet at the barrier.
    expect(await mostAtOnce(4, 2, 4)).toBe(2);
  });

  it('reports exactly the records that must come again, and queues a failed attempt', async () => {
    const handlers = webhookHandlers()
      .on('stripe', 'test.fails', async () => {
        throw new Error('downstream unavailable');
      })
      .on('stripe', 'test.applies', async () => ({ outcome: 'applied' }));
    const good = await stored('test.applies');
    const failing = await stored('test.fails');
    const broken = await stored('test.applies');
    const imageless: DynamoDBRecord = {
      ...broken.record,
      dynamodb: { SequenceNumber: broken.record.dynamodb!.SequenceNumber! },
    };

    const failures = await processStreamRecords(
      deps(handlers),
      [good.record, failing.record, imageless],
      { concurrency: 10 },
    );

    // Only the record with no image comes back; the failed attempt went to the failed queue.
    expect(failures).toEqual([{ itemIdentifier: broken.record.dynamodb!.SequenceNumber }]);
    expect(await storage.store().ledger.getState(good.webhook.id)).toMatchObject({
      status: 'completed',
    });
    expect(await storage.store().ledger.getState(failing.webhook.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
    expect(await storage.store().ledger.getState(broken.webhook.id)).toMatchObject({
      status: 'received',
    });
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: storage.emulator.outputs.FailedQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(Messages.map((m) => parseFailedQueueMessage(m.Body ?? '').id)).toEqual([
      failing.webhook.id,
    ]);
  });
});
