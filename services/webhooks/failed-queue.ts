import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
  enqueue(webhook: Webhook, queueToken: string): Promise<void>;
}

export function createFailedQueue(client: SQSClient, queueUrl: string): FailedQueue {
  return {
    async enqueue(webhook, queueToken) {
      const body = JSON.stringify({ id: webhook.id, queueToken } satisfies FailedQueueMessage);
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: {
            webhookId: { DataType: 'String', StringValue: webhook.id },
            provider: { DataType: 'String', StringValue: webhook.provider },
            eventType: { DataType: 'String', StringValue: webhook.eventType },
          },
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
