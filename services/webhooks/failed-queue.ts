import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Webhook } from './webhook.js';

/**
 * A retry message names the webhook and the token; the retry reads the webhook from the table
 * (one GetItem) and its body through readWebhookBody, as every consumer does. Messages written
 * before this carried the webhook too; that copy is ignored.
 */
export interface FailedQueueMessage {
  readonly id: string;
  /** Must equal the status item's queueToken for this message to claim an attempt. */
  readonly queueToken: string;
}

export interface FailedQueue {
  /**
   * Sends the webhook's message; with `delaySeconds` (0 to 900, SQS's per-message DelaySeconds)
   * it is not received before then. A delay does not count as a receive.
   */
  enqueue(webhook: Webhook, queueToken: string, options?: { delaySeconds?: number }): Promise<void>;
  /**
   * Holds back a received message's next delivery for `seconds` (ChangeMessageVisibility on its
   * receipt handle): the retry reports it as a batch item failure, and SQS delivers it again
   * then, counting one more receive toward the redrive policy's maxReceiveCount.
   */
  delayRedelivery(receiptHandle: string, seconds: number): Promise<void>;
}

export function createFailedQueue(client: SQSClient, queueUrl: string): FailedQueue {
  return {
    async enqueue(webhook, queueToken, options = {}) {
      const body = JSON.stringify({ id: webhook.id, queueToken } satisfies FailedQueueMessage);
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
          MessageAttributes: {
            webhookId: { DataType: 'String', StringValue: webhook.id },
            provider: { DataType: 'String', StringValue: webhook.provider },
            eventType: { DataType: 'String', StringValue: webhook.eventType },
          },
        }),
      );
    },
    async delayRedelivery(receiptHandle, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
  };
}

/** Reads a failed-queue message body; throws on anything that is not one. */
export function parseFailedQueueMessage(body: string): FailedQueueMessage {
  const parsed = JSON.parse(body) as Partial<FailedQueueMessage>;
  if (typeof parsed.id !== 'string' || typeof parsed.queueToken !== 'string') {
    throw new Error('A failed-queue message must carry the webhook id and its queue token.');
  }
  return { id: parsed.id, queueToken: parsed.queueToken };
}
