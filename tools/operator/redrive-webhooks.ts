import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TransitionRejectedError } from '../../services/shared/errors.js';
import { errorFields, type Logger } from '../../services/shared/logger.js';
import type { AttentionIndex } from '../../services/webhooks/attention-index.js';
import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import { parseFailedQueueMessage } from '../../services/webhooks/failed-queue.js';
import {
  RetryNotSentError,
  type RetryScheduled,
  scheduleRetry,
} from '../../services/webhooks/schedule-retry.js';
import type { WebhookLedger } from '../../services/webhooks/webhook-ledger.js';
import { pacer } from './pacer.js';

export interface RedriveDependencies {
  readonly ledger: WebhookLedger;
  readonly attention: Pick<AttentionIndex, 'listAttention'>;
  readonly sqs: SQSClient;
  readonly failedQueue: FailedQueue;
  readonly failedQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly log: Logger;
}

export interface RedriveOptions {
  /** Webhook ids to bring back; with `all`, every dead webhook. */
  readonly ids?: readonly string[];
  readonly all?: boolean;
  readonly dryRun?: boolean;
  /** At most this many webhooks per second. */
  readonly ratePerSecond?: number;
  /** Called once per selected webhook when it has been redriven (or would be) or skipped. */
  readonly onProgress?: (id: string) => void;
}

export interface RedriveResult {
  /** Moved from the DLQ back to the failed queue. */
  readonly moved: string[];
  /** Dead, with no message in the DLQ (e.g. the local queue was restarted): a new message. */
  readonly requeued: string[];
  readonly skipped: Array<{ id: string; reason: string }>;
  readonly dryRun: boolean;
}

/**
 * Brings dead webhooks back: each goes `dead → failed` (conditional) and its message moves from
 * the DLQ to the failed queue, where the retry function processes it as usual. The message keeps
 * its queue token, so it claims the next attempt. Works on any SQS by receive/send/delete (AWS's
 * StartMessageMoveTask moves a whole queue and cannot pick webhooks).
 */
export async function redriveWebhooks(
  deps: RedriveDependencies,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const wanted = new Set(options.ids ?? []);
  const selected = (id: string) => options.all === true || wanted.has(id);
  const result: RedriveResult = {
    moved: [],
    requeued: [],
    skipped: [],
    dryRun: options.dryRun === true,
  };
  const pace = pacer(options.ratePerSecond);
  const progress = options.onProgress ?? (() => {});
  const seen = new Set<string>();

  // 1. Walk the DLQ: messages of selected dead webhooks move; the rest reappear at once.
  for (;;) {
    const { Messages = [] } = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? ''));
    if (fresh.length === 0) {
      await release(deps, Messages);
      break;
    }
    for (const message of fresh) {
      seen.add(message.MessageId ?? '');
      const parsed = safeParse(message.Body);
      if (!parsed || !selected(parsed.id)) {
        await release(deps, [message]);
        continue;
      }
      const state = await deps.ledger.getState(parsed.id);
      if (state?.status !== 'dead') {
        result.skipped.push({
          id: parsed.id,
          reason: `not dead (${state?.status ?? 'missing'}); its DLQ message is stale`,
        });
        if (!options.dryRun && (state?.status === 'completed' || !state))
          await remove(deps, message);
        else await release(deps, [message]);
        continue;
      }
      if (options.dryRun) {
        result.moved.push(parsed.id);
        progress(parsed.id);
        await release(deps, [message]);
        continue;
      }
      await pace();
      try {
        await deps.ledger.requeue(parsed.id, {
          from: 'dead',
          expectedVersion: state.version,
          queueToken: state.queueToken ?? parsed.queueToken,
          queued: true,
        });
      } catch (error) {
        if (!(error instanceof TransitionRejectedError)) throw error;
        result.skipped.push({ id: parsed.id, reason: 'changed while redriving' });
        await release(deps, [message]);
        continue;
      }
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: deps.failedQueueUrl,
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
        }),
      );
      await remove(deps, message);
      result.moved.push(parsed.id);
      progress(parsed.id);
    }
  }

  // 2. Dead webhooks whose message is not in the DLQ get a new one.
  const candidates = options.all
    ? (await deps.attention.listAttention('dead')).map((s) => s.id)
    : [...wanted];
  for (const id of candidates) {
    if (result.moved.includes(id) || result.skipped.some((s) => s.id === id)) continue;
    const state = await deps.ledger.getState(id);
    if (state?.status !== 'dead') {
      result.skipped.push({ id, reason: `not dead (${state?.status ?? 'missing'})` });
      continue;
    }
    if (options.dryRun) {
      result.requeued.push(id);
      progress(id);
      continue;
    }
    await pace();
    const webhook = await deps.ledger.getWebhook(id);
    if (!webhook) {
      result.skipped.push({ id, reason: 'webhook item missing' });
      continue;
    }
    let scheduled: RetryScheduled;
    try {
      scheduled = await scheduleRetry(deps, webhook, {
        requeue: { from: 'dead', expectedVersion: state.version },
      });
    } catch (error) {
      if (!(error instanceof RetryNotSentError)) throw error;
      // The webhook is failed with a token and no message yet: the sweeper sends it once its
      // grace period has passed, so it is not lost, but this redrive did not send it.
      deps.log.error(
        { event: 'redrive.enqueue-failed', webhookId: id, ...errorFields(error) },
        'requeued but the message could not be sent; the sweeper will send it',
      );
      result.skipped.push({ id, reason: 'message not sent; the sweeper will send it' });
      continue;
    }
    if (scheduled.result === 'raced') {
      result.skipped.push({ id, reason: 'changed while redriving' });
      continue;
    }
    if (scheduled.result === 'unconfirmed') {
      // The message is on the queue; only the status's note of it is missing, so a sweep may
      // send a second copy with the same token, which claims nothing the first did not.
      deps.log.warn(
        { event: 'redrive.unconfirmed', webhookId: id, ...errorFields(scheduled.error) },
        'message sent but not confirmed in the status',
      );
    }
    result.requeued.push(id);
    progress(id);
  }
  return result;
}

function safeParse(body: string | undefined) {
  try {
    return parseFailedQueueMessage(body ?? '');
  } catch {
    return undefined;
  }
}

async function release(deps: RedriveDependencies, messages: Message[]) {
  for (const message of messages) {
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.deadLetterQueueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }
}

async function remove(deps: RedriveDependencies, message: Message) {
  await deps.sqs.send(
    new DeleteMessageCommand({
      QueueUrl: deps.deadLetterQueueUrl,
      ReceiptHandle: message.ReceiptHandle,
    }),
  );
}
