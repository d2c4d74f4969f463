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
import { sleep } from './local-aws.js';

export interface Notification {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: unknown;
  readonly receivedAt: string;
}

/**
 * Delivers an SNS topic's messages where a developer sees them: one prominent line on stdout
 * and a line in a JSON Lines file (under .data/), through an SQS queue subscribed to the topic
 * (fauxqs delivers SNS to SQS, not to email).
 */
export class TopicInbox {
  readonly #abort = new AbortController();
  readonly #loop: Promise<void>;

  private constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly options: {
      topicArn: string;
      file?: string;
      print: (line: string) => void;
      onNotification?: (n: Notification) => void;
      log: Logger;
    },
  ) {
    this.#loop = this.#run();
  }

  static async start(
    clients: { sqs: SQSClient; sns: SNSClient },
    options: {
      topicArn: string;
      file?: string;
      print: (line: string) => void;
      onNotification?: (n: Notification) => void;
      log: Logger;
    },
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
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
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
            new DeleteMessageCommand({
              QueueUrl: this.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
            }),
          );
        }
      } catch (error) {
        if (signal.aborted) break;
        this.options.log.warn(
          { err: (error as Error).message },
          'notification inbox receive failed',
        );
        await sleep(1000, signal);
      }
    }
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
    this.options.print(formatNotification(notification));
    if (this.options.file) {
      mkdirSync(dirname(this.options.file), { recursive: true });
      appendFileSync(this.options.file, `${JSON.stringify(notification)}\n`);
    }
    this.options.onNotification?.(notification);
  }
}

export function formatNotification(notification: Notification): string {
  const m = notification.message as Record<string, unknown> | undefined;
  if (m && typeof m === 'object' && m.kind === 'webhook.dead') {
    const error = m.lastError as { code?: string; message?: string } | undefined;
    return [
      '',
      `!!! DEAD WEBHOOK ${m.id} (${m.provider} ${m.eventType}) after ${m.attempts} attempts`,
      `!!! last error: ${error?.code ?? 'unknown'}: ${error?.message ?? ''}`,
      `!!! inspect: npm run webhooks -- show ${m.id}    redrive: npm run webhooks -- redrive ${m.id}`,
      '',
    ].join('\n');
  }
  return `!!! ${notification.subject ?? 'notification'}: ${JSON.stringify(notification.message)}`;
}
