import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Webhook, WebhookState } from './webhook.js';

export interface OperatorNotifier {
  /** Tells the operator that a webhook has used every attempt and is parked in the DLQ. */
  webhookDead(webhook: Webhook, state: WebhookState): Promise<void>;
}

export function createOperatorNotifier(client: SNSClient, topicArn: string): OperatorNotifier {
  return {
    async webhookDead(webhook, state) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `Webhook dead: ${webhook.provider} ${webhook.eventType}`.slice(0, 100),
          Message: JSON.stringify({
            kind: 'webhook.dead',
            id: webhook.id,
            provider: webhook.provider,
            eventType: webhook.eventType,
            eventId: webhook.eventId,
            attempts: state.attempts,
            lastError: state.lastError,
            receivedAt: webhook.receivedAt,
            inspect: `npm run webhooks -- status ${webhook.id}`,
          }),
          MessageAttributes: {
            webhookId: { DataType: 'String', StringValue: webhook.id },
            provider: { DataType: 'String', StringValue: webhook.provider },
          },
        }),
      );
    },
  };
}
