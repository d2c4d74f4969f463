import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from 'pino';
import { type EventPattern, matchesAnyFilter, sqsFilterView } from './event-pattern.js';
import type { LambdaFunction } from './lambda-runtime.js';
import { Poller } from './poller.js';

export interface SqsMappingSettings {
  readonly batchSize: number;
  readonly filters: readonly EventPattern[];
  readonly reportBatchItemFailures: boolean;
}

/**
 * An SQS event source mapping, by the rules Lambda follows: long-poll; drop (delete) messages
 * the filters reject; invoke with up to BatchSize records; delete what succeeded; leave failures
 * to reappear after the visibility timeout. A thrown error, or a batchItemFailures response that
 * names an unknown message, fails the whole batch. The queue's own redrive policy, not this
 * code, moves messages to the DLQ.
 */
export class SqsEventSource {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #queueArn: string;
  readonly #fn: LambdaFunction;
  readonly #settings: SqsMappingSettings;
  readonly #log: Logger;
  readonly #region: string;
  readonly #poller: Poller;

  constructor(options: {
    client: SQSClient;
    queueUrl: string;
    queueArn: string;
    fn: LambdaFunction;
    settings: SqsMappingSettings;
    log: Logger;
    region: string;
  }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#queueArn = options.queueArn;
    this.#fn = options.fn;
    this.#settings = options.settings;
    this.#log = options.log.child({
      eventSource: 'sqs',
      function: options.fn.definition.functionName,
    });
    this.#region = options.region;
    // A long poll waits by itself: no pause between polls.
    this.#poller = new Poller((signal) => this.#poll(signal), {
      idleMs: 0,
      log: this.#log,
      failure: 'SQS receive failed; retrying',
    });
  }

  start(): void {
    this.#poller.start();
  }

  async stop(): Promise<void> {
    await this.#poller.stop();
  }

  async #poll(signal: AbortSignal): Promise<{ busy: boolean }> {
    const response = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: Math.min(this.#settings.batchSize, 10),
        WaitTimeSeconds: 20,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    const messages: Message[] = response.Messages ?? [];
    if (messages.length === 0) return { busy: false };
    await this.#deliver(messages.map((m) => this.#toLambdaRecord(m)));
    return { busy: true };
  }

  async #deliver(records: SQSRecord[]): Promise<void> {
    const matching = records.filter((r) =>
      matchesAnyFilter(this.#settings.filters, sqsFilterView(r as unknown as { body: string })),
    );
    const filteredOut = records.filter((r) => !matching.includes(r));
    if (filteredOut.length > 0) await this.#delete(filteredOut);
    if (matching.length === 0) return;

    let response: unknown;
    try {
      response = await this.#fn.invoke({ Records: matching });
    } catch (error) {
      this.#log.warn(
        { err: (error as Error).message, records: matching.length },
        'SQS batch failed; messages return after the visibility timeout',
      );
      return;
    }
    if (!this.#settings.reportBatchItemFailures) {
      await this.#delete(matching);
      return;
    }
    const failures =
      (response as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | null)
        ?.batchItemFailures ?? [];
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    if (
      [...failed].some((id) => typeof id !== 'string' || !matching.some((r) => r.messageId === id))
    ) {
      this.#log.warn({ failures }, 'invalid batchItemFailures response; the whole batch fails');
      return;
    }
    await this.#delete(matching.filter((r) => !failed.has(r.messageId)));
  }

  async #delete(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      try {
        await this.#client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: chunk.map((r, index) => ({
              Id: String(index),
              ReceiptHandle: r.receiptHandle,
            })),
          }),
        );
      } catch (error) {
        // Undeleted messages come back: at-least-once, which the function must tolerate anyway.
        this.#log.warn({ err: (error as Error).message }, 'SQS delete failed');
      }
    }
  }

  #toLambdaRecord(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined
          ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
          : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((b) =>
          Buffer.from(b).toString('base64'),
        ),
      };
    }
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
        SenderId: attributes.SenderId ?? '000000000000',
        ApproximateFirstReceiveTimestamp:
          attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes,
      md5OfBody: message.MD5OfBody ?? '',
      ...(message.MD5OfMessageAttributes
        ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
        : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.#queueArn,
      awsRegion: this.#region,
    };
  }
}
