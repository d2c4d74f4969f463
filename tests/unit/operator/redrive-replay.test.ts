import type { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redriveWebhooks } from '../../../tools/operator/redrive-webhooks.js';
import { ReplayRefusedError, replayWebhook } from '../../../tools/operator/replay-webhook.js';
import { FakeFailedQueue } from '../../helpers/fake-failed-queue.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/* Redrive and replay decided on the in-memory ledger; the DLQ is a stand-in SQS client. */

const DLQ = 'https://sqs.local/dlq';
const FAILED = 'https://sqs.local/failed';
const log = pino({ level: 'silent' });

/** Answers the four SQS calls redrive makes, for one DLQ and one failed queue. */
function fakeSqs(dlq: Array<{ MessageId: string; Body: string }>) {
  const movedToFailedQueue: string[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      switch (command.constructor.name) {
        case 'ReceiveMessageCommand':
          return { Messages: dlq.map((m) => ({ ...m, ReceiptHandle: m.MessageId })) };
        case 'ChangeMessageVisibilityCommand':
          return {};
        case 'DeleteMessageCommand': {
          const index = dlq.findIndex((m) => m.MessageId === command.input.ReceiptHandle);
          if (index >= 0) dlq.splice(index, 1);
          return {};
        }
        case 'SendMessageCommand':
          expect(command.input.QueueUrl).toBe(FAILED);
          movedToFailedQueue.push(String(command.input.MessageBody));
          return {};
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  };
  return { sqs: client as unknown as SQSClient, movedToFailedQueue };
}

async function dead(ledger: InMemoryWebhookLedger, token = 't1') {
  const webhook = webhookRecord();
  await ledger.create(webhook);
  await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await ledger.finish(webhook.id, 1, 'failed', {
    error: { code: 'x', message: 'y' },
    queueToken: token,
  });
  await ledger.claim(webhook.id, {
    from: 'failed',
    leaseSeconds: 60,
    trigger: 'queue',
    queueToken: token,
  });
  await ledger.finish(webhook.id, 2, 'dead', { error: { code: 'x', message: 'y' } });
  return webhook;
}

async function completed(ledger: InMemoryWebhookLedger) {
  const webhook = webhookRecord();
  await ledger.create(webhook);
  await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await ledger.finish(webhook.id, 1, 'completed', { outcome: 'applied' });
  return webhook;
}

function redriveDeps(ledger: InMemoryWebhookLedger, sqs: SQSClient, failedQueue: FakeFailedQueue) {
  return {
    ledger,
    attention: ledger,
    sqs,
    failedQueue,
    failedQueueUrl: FAILED,
    deadLetterQueueUrl: DLQ,
    log,
  };
}

describe('redrive', () => {
  it('moves a dead webhook’s DLQ message back with its token, and the status follows', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await dead(ledger, 't1');
    const body = JSON.stringify({ id: webhook.id, queueToken: 't1' });
    const { sqs, movedToFailedQueue } = fakeSqs([{ MessageId: 'm1', Body: body }]);
    const failedQueue = new FakeFailedQueue();

    const result = await redriveWebhooks(redriveDeps(ledger, sqs, failedQueue), {
      ids: [webhook.id],
    });

    expect(result).toMatchObject({ moved: [webhook.id], requeued: [], skipped: [] });
    expect(movedToFailedQueue).toEqual([body]);
    expect(failedQueue.sent).toEqual([]);
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      queueToken: 't1',
      queuedToken: 't1',
    });
  });

  it('gives a dead webhook with no DLQ message a new token and message', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await dead(ledger, 't1');
    const failedQueue = new FakeFailedQueue();

    const result = await redriveWebhooks(redriveDeps(ledger, fakeSqs([]).sqs, failedQueue), {
      all: true,
    });

    expect(result).toMatchObject({ moved: [], requeued: [webhook.id], skipped: [] });
    const state = await ledger.getState(webhook.id);
    expect(state?.queueToken).not.toBe('t1');
    expect(failedQueue.tokensOf(webhook.id)).toEqual([state?.queueToken]);
    expect(state?.queuedToken).toBe(state?.queueToken);
  });

  it('reports a webhook whose new message could not be sent, instead of swallowing the error', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await dead(ledger);
    const failedQueue = new FakeFailedQueue();
    failedQueue.failWith = new Error('SQS down');

    const result = await redriveWebhooks(redriveDeps(ledger, fakeSqs([]).sqs, failedQueue), {
      ids: [webhook.id],
    });

    expect(result.requeued).toEqual([]);
    expect(result.skipped).toEqual([
      { id: webhook.id, reason: 'message not sent; the sweeper will send it' },
    ]);
    // Failed with a token and no confirmed message: what the sweeper sends.
    const state = await ledger.getState(webhook.id);
    expect(state?.status).toBe('failed');
    expect(state?.queuedToken).toBeUndefined();
  });

  it('skips a webhook that is not dead and drops its stale DLQ message once it completed', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await completed(ledger);
    const dlq = [{ MessageId: 'm1', Body: JSON.stringify({ id: webhook.id, queueToken: 'old' }) }];
    const { sqs } = fakeSqs(dlq);

    const result = await redriveWebhooks(redriveDeps(ledger, sqs, new FakeFailedQueue()), {
      ids: [webhook.id],
    });

    expect(result.skipped).toEqual([
      { id: webhook.id, reason: 'not dead (completed); its DLQ message is stale' },
    ]);
    expect(dlq).toEqual([]);
    expect((await ledger.getState(webhook.id))?.status).toBe('completed');
  });

  it('changes nothing on a dry run', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await dead(ledger);
    const before = await ledger.getState(webhook.id);
    const failedQueue = new FakeFailedQueue();

    const result = await redriveWebhooks(redriveDeps(ledger, fakeSqs([]).sqs, failedQueue), {
      all: true,
      dryRun: true,
    });

    expect(result).toMatchObject({ requeued: [webhook.id], dryRun: true });
    expect(await ledger.getState(webhook.id)).toEqual(before);
    expect(failedQueue.sent).toEqual([]);
  });
});

describe('replay', () => {
  it('puts a completed webhook back on the failed queue with a new token', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await completed(ledger);
    const failedQueue = new FakeFailedQueue();

    const state = await replayWebhook({ ledger, failedQueue, log }, webhook.id);

    expect(state).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failedQueue.tokensOf(webhook.id)).toEqual([state.queueToken]);
    expect(state.queuedToken).toBe(state.queueToken);
  });

  it('refuses a webhook that is not completed, or unknown', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await dead(ledger);
    const failedQueue = new FakeFailedQueue();
    await expect(replayWebhook({ ledger, failedQueue, log }, webhook.id)).rejects.toThrow(
      /is dead; only a completed webhook can be replayed/,
    );
    await expect(
      replayWebhook({ ledger, failedQueue, log }, webhookRecord().id),
    ).rejects.toBeInstanceOf(ReplayRefusedError);
    expect(failedQueue.sent).toEqual([]);
  });

  it('fails, rather than pretending, when the message cannot be sent', async () => {
    const ledger = new InMemoryWebhookLedger();
    const webhook = await completed(ledger);
    const failedQueue = new FakeFailedQueue();
    failedQueue.failWith = new Error('SQS down');
    await expect(replayWebhook({ ledger, failedQueue, log }, webhook.id)).rejects.toThrow(
      /could not be sent/,
    );
  });
});
