import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { Poller } from './poller.js';
import type { StackContext } from './stack-context.js';
import { resourcesOfType } from './template.js';

export interface Notification {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: unknown;
  readonly receivedAt: string;
}

/** How a notification is printed: one line or a few, for the developer's terminal. */
export type NotificationFormatter = (notification: Notification) => string;

export interface TopicInboxOptions {
  readonly topicArn: string;
  readonly file?: string;
  readonly print: (line: string) => void;
  /** By default {@link formatNotification}; the application may print its own messages its way. */
  readonly format?: NotificationFormatter;
  readonly onNotification?: (n: Notification) => void;
  readonly log: Logger;
}

/**
 * Delivers an SNS topic's messages where a developer sees them: one prominent line on stdout
 * and a line in a JSON Lines file (under .data/), through an SQS queue subscribed to the topic
 * (fauxqs delivers SNS to SQS, not to email).
 */
export class TopicInbox {
  readonly #poller: Poller;

  private constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly options: TopicInboxOptions,
  ) {
    this.#poller = new Poller((signal) => this.#poll(signal), {
      idleMs: 0,
      log: options.log,
      failure: 'notification inbox receive failed',
    });
    this.#poller.start();
  }

  static async start(
    clients: { sqs: SQSClient; sns: SNSClient },
    options: TopicInboxOptions,
  ): Promise<TopicInbox> {
    const name = `${options.topicArn.split(':').pop()}-local-inbox`.slice(0, 80);
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await clients.sns.send(
      new SubscribeCommand({
        TopicArn: options.topicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn!,
      }),
    );
    return new TopicInbox(clients.sqs, QueueUrl!, options);
  }

  async stop(): Promise<void> {
    await this.#poller.stop();
  }

  async #poll(signal: AbortSignal): Promise<{ busy: boolean }> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        WaitTimeSeconds: 20,
        MaxNumberOfMessages: 10,
      }),
      { abortSignal: signal },
    );
    for (const message of Messages) {
      this.#deliver(message.Body ?? '');
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return { busy: Messages.length > 0 };
  }

  #deliver(body: string): void {
    let envelope: { Message?: string; Subject?: string } = {};
    try {
      envelope = JSON.parse(body);
    } catch {
      envelope = { Message: body };
    }
    let message: unknown = envelope.Message;
    try {
      message = JSON.parse(String(envelope.Message));
    } catch {}
    const notification: Notification = {
      topicArn: this.options.topicArn,
      ...(envelope.Subject ? { subject: envelope.Subject } : {}),
      message,
      receivedAt: new Date().toISOString(),
    };
    this.options.print((this.options.format ?? formatNotification)(notification));
    if (this.options.file) {
      mkdirSync(dirname(this.options.file), { recursive: true });
      appendFileSync(this.options.file, `${JSON.stringify(notification)}\n`);
    }
    this.options.onNotification?.(notification);
  }
}

/** A notification as one line: its subject and its message as JSON. */
export function formatNotification(notification: Notification): string {
  return `!!! ${notification.subject ?? 'notification'}: ${JSON.stringify(notification.message)}`;
}

/** A local inbox for each SNS topic of the template. */
export async function startTopicInboxes(
  context: StackContext,
  clients: { sqs: SQSClient; sns: SNSClient },
  options: Omit<TopicInboxOptions, 'topicArn' | 'log'>,
): Promise<TopicInbox[]> {
  const inboxes: TopicInbox[] = [];
  for (const [logicalId] of resourcesOfType(context.template, 'AWS::SNS::Topic')) {
    inboxes.push(
      await TopicInbox.start(clients, {
        ...options,
        topicArn: context.resources.get(logicalId)!.ref,
        log: context.log,
      }),
    );
  }
  return inboxes;
}
