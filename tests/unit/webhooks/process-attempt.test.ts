import { describe, expect, it } from 'vitest';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';
import {
  PermanentError,
  ProcessingError,
  RetryLaterError,
} from '../../../services/shared/errors.js';
import type { OperatorNotifier } from '../../../services/webhooks/operator-notifier.js';
import { type AttemptTrigger, processAttempt } from '../../../services/webhooks/process-webhook.js';
import type { Webhook } from '../../../services/webhooks/webhook.js';
import { FakeFailedQueue } from '../../helpers/fake-failed-queue.js';
import { inMemoryProcessDependencies } from '../../helpers/in-memory-process-dependencies.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/*
 * The decisions of one processing attempt, on the in-memory ledger (which passes the DynamoDB
 * ledger's contract): what is acknowledged, retried, declared dead or skipped, and why.
 */

function harness(options: { fails?: boolean; notifyFails?: boolean; failWith?: Error } = {}) {
  const ledger = new InMemoryWebhookLedger();
  const failedQueue = new FakeFailedQueue();
  const notified: string[] = [];
  const notifier: OperatorNotifier = {
    webhookDead: async (webhook) => {
      if (options.notifyFails) throw new Error('SNS down');
      notified.push(webhook.id);
    },
  };
  const handlers = webhookHandlers().fallback('stripe', async () => {
    if (options.failWith) throw options.failWith;
    if (options.fails) throw new ProcessingError('downstream refused');
    return { outcome: 'applied', resource: 'r#1' };
  });
  const deps = inMemoryProcessDependencies({
    ledger,
    failedQueue,
    notifier,
    handlers,
    retryBackoff: { firstSeconds: 30, factor: 10 },
  });
  return { ledger, failedQueue, notified, deps };
}

const queue = (queueToken: string, receiveCount: number): AttemptTrigger => ({
  source: 'queue',
  receiveCount,
  maxReceiveCount: 2,
  queueToken,
  receiptHandle: `rh-${receiveCount}`,
});

async function captured(ledger: InMemoryWebhookLedger): Promise<Webhook> {
  const webhook = webhookRecord();
  await ledger.create(webhook);
  return webhook;
}

describe('a processing attempt', () => {
  it('from the stream: completes and acknowledges', async () => {
    const { ledger, deps, failedQueue } = harness();
    const webhook = await captured(ledger);
    const report = await processAttempt(deps, webhook, { source: 'stream' });
    expect(report).toEqual({ ack: true, result: 'completed', attempt: 1, outcome: 'applied' });
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'completed',
      resource: 'r#1',
    });
    expect(failedQueue.sent).toEqual([]);
  });

  it('from the stream: a failure gets a new token, its message sent and confirmed, and is acknowledged', async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    const report = await processAttempt(deps, webhook, { source: 'stream' });
    expect(report).toEqual({ ack: true, result: 'failed', attempt: 1 });
    const state = await ledger.getState(webhook.id);
    expect(state).toMatchObject({
      status: 'failed',
      lastError: { code: 'processing_failed', attempt: 1, kind: 'transient' },
    });
    expect(failedQueue.tokensOf(webhook.id)).toEqual([state?.queueToken]);
    expect(state?.queuedToken).toBe(state?.queueToken);
  });

  it('from the stream: a failure whose message cannot be sent is not acknowledged, and the redelivered record sends it', async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    failedQueue.failWith = new Error('SQS down');
    const first = await processAttempt(deps, webhook, { source: 'stream' });
    expect(first).toEqual({ ack: false, result: 'enqueue-failed', attempt: 1 });
    const token = (await ledger.getState(webhook.id))?.queueToken;

    failedQueue.failWith = undefined;
    const again = await processAttempt(deps, webhook, { source: 'stream' });
    expect(again).toEqual({ ack: true, result: 'failed', attempt: 1 });
    expect(failedQueue.tokensOf(webhook.id)).toEqual([token]);
    expect(await ledger.getState(webhook.id)).toMatchObject({ attempts: 1, queuedToken: token });
  });

  it('from the queue: a failure below the receive limit stays failed and is not acknowledged (SQS retries)', async () => {
    const { ledger, deps, notified } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    const report = await processAttempt(deps, webhook, queue(token, 1));
    expect(report).toEqual({ ack: false, result: 'failed', attempt: 2 });
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      queueToken: token,
    });
    expect(notified).toEqual([]);
  });

  it('from the queue: a failure on the last receive is dead, the operator notified, and left for the DLQ', async () => {
    const { ledger, deps, notified } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    await processAttempt(deps, webhook, queue(token, 1));
    const report = await processAttempt(deps, webhook, queue(token, 2));
    expect(report).toEqual({ ack: false, result: 'dead', attempt: 3 });
    expect(await ledger.getState(webhook.id)).toMatchObject({ status: 'dead', attempts: 3 });
    expect(notified).toEqual([webhook.id]);
  });

  it('from the queue: a dead webhook stays dead when the operator cannot be notified', async () => {
    const { ledger, deps } = harness({ fails: true, notifyFails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    const report = await processAttempt(deps, webhook, queue(token, 2));
    expect(report).toMatchObject({ ack: false, result: 'dead' });
    expect((await ledger.getState(webhook.id))?.status).toBe('dead');
  });

  it('from the queue: a success completes and is acknowledged', async () => {
    const { ledger, deps } = harness();
    const webhook = await captured(ledger);
    await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: 't1',
    });
    const report = await processAttempt(deps, webhook, queue('t1', 1));
    expect(report).toMatchObject({ ack: true, result: 'completed', attempt: 2 });
  });
});

describe('a lost claim', () => {
  async function failedWithToken(ledger: InMemoryWebhookLedger, token: string) {
    const webhook = await captured(ledger);
    await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: token,
    });
    await ledger.markEnqueued(webhook.id, token);
    return webhook;
  }

  it('a superseded message (another token) is acknowledged and changes nothing', async () => {
    const { ledger, deps } = harness();
    const webhook = await failedWithToken(ledger, 'current');
    const before = await ledger.getState(webhook.id);
    const report = await processAttempt(deps, webhook, queue('old', 1));
    expect(report).toEqual({ ack: true, result: 'skipped', reason: 'superseded message' });
    expect(await ledger.getState(webhook.id)).toEqual(before);
  });

  it('the current message of a dead webhook is not acknowledged, so SQS moves it to the DLQ', async () => {
    const { ledger, deps } = harness();
    const webhook = await failedWithToken(ledger, 't1');
    await ledger.claim(webhook.id, {
      from: 'failed',
      leaseSeconds: 60,
      trigger: 'queue',
      queueToken: 't1',
    });
    await ledger.finish(webhook.id, 2, 'dead', { error: { code: 'x', message: 'y' } });
    const report = await processAttempt(deps, webhook, queue('t1', 2));
    expect(report).toEqual({ ack: false, result: 'skipped', reason: 'dead; left for the DLQ' });
  });

  it('the current message of a completed webhook is acknowledged', async () => {
    const { ledger, deps } = harness();
    const webhook = await failedWithToken(ledger, 't1');
    await processAttempt(deps, webhook, queue('t1', 1));
    const report = await processAttempt(deps, webhook, queue('t1', 1));
    expect(report).toEqual({ ack: true, result: 'skipped', reason: 'already completed' });
  });

  it('a webhook processing under a live lease is not acknowledged, from either trigger', async () => {
    const { ledger, deps } = harness();
    const fromStream = await captured(ledger);
    await ledger.claim(fromStream.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    expect(await processAttempt(deps, fromStream, { source: 'stream' })).toEqual({
      ack: false,
      result: 'skipped',
      reason: 'processing under a lease',
    });

    const fromQueue = await failedWithToken(ledger, 't1');
    await ledger.claim(fromQueue.id, {
      from: 'failed',
      leaseSeconds: 60,
      trigger: 'queue',
      queueToken: 't1',
    });
    expect(await processAttempt(deps, fromQueue, queue('t1', 1))).toEqual({
      ack: false,
      result: 'skipped',
      reason: 'currently processing',
    });
  });

  it('once the lease has run out, the next delivery takes the attempt over', async () => {
    const { ledger, deps } = harness();
    const webhook = await captured(ledger);
    await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    ledger.setClock(() => new Date(Date.now() + 120_000));
    const report = await processAttempt(deps, webhook, { source: 'stream' });
    expect(report).toMatchObject({ ack: true, result: 'completed', attempt: 2 });
  });

  it('a redelivered stream record of a webhook already done is acknowledged', async () => {
    const { ledger, deps } = harness();
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    expect(await processAttempt(deps, webhook, { source: 'stream' })).toEqual({
      ack: true,
      result: 'skipped',
      reason: 'already completed',
    });
  });

  it('an unknown webhook is acknowledged as missing', async () => {
    const { deps } = harness();
    expect(await processAttempt(deps, webhookRecord(), { source: 'stream' })).toEqual({
      ack: true,
      result: 'skipped',
      reason: 'missing',
    });
  });
});

describe('a permanent failure', () => {
  it('from the stream: dead after that one attempt, the operator notified, nothing queued', async () => {
    const { ledger, deps, failedQueue, notified } = harness({
      failWith: new PermanentError('the payload has no payment intent'),
    });
    const webhook = await captured(ledger);
    const report = await processAttempt(deps, webhook, { source: 'stream' });
    expect(report).toEqual({ ack: true, result: 'dead', attempt: 1 });
    expect(await ledger.getState(webhook.id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: { code: 'permanent_failure', kind: 'permanent', attempt: 1 },
    });
    expect(failedQueue.sent).toEqual([]);
    expect(notified).toEqual([webhook.id]);
  });

  it('from the queue: dead on a receive below the limit, its message left for the DLQ', async () => {
    const { ledger, deps, notified } = harness({ failWith: new PermanentError('refused') });
    const webhook = await captured(ledger);
    await ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
    await ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: 't1',
    });
    const report = await processAttempt(deps, webhook, queue('t1', 1));
    expect(report).toEqual({ ack: false, result: 'dead', attempt: 2 });
    expect((await ledger.getState(webhook.id))?.status).toBe('dead');
    expect(notified).toEqual([webhook.id]);
  });

  it("DynamoDB's ValidationException (a key over its limit) is permanent too", async () => {
    const refused = Object.assign(new Error('Size of hashkey has exceeded the maximum size'), {
      name: 'ValidationException',
    });
    const { ledger, deps } = harness({ failWith: refused });
    const webhook = await captured(ledger);
    expect(await processAttempt(deps, webhook, { source: 'stream' })).toMatchObject({
      result: 'dead',
      attempt: 1,
    });
    expect((await ledger.getState(webhook.id))?.lastError?.kind).toBe('permanent');
  });
});

describe('when the next attempt comes', () => {
  const seconds = (from: string | undefined, to: string | undefined) =>
    (Date.parse(to ?? '') - Date.parse(from ?? '')) / 1000;

  it('a transient failure from the stream: the retry message is held back by the first backoff (about 30 s)', async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const state = await ledger.getState(webhook.id);
    expect(state?.lastError?.kind).toBe('transient');
    const due = seconds(state?.attemptLog?.a1?.endedAt, state?.nextAttemptAt);
    expect(due).toBeGreaterThanOrEqual(24);
    expect(due).toBeLessThanOrEqual(36);
    const [sent] = failedQueue.sent;
    expect(sent?.delaySeconds).toBeGreaterThanOrEqual(Math.floor(due));
    expect(sent?.delaySeconds).toBeLessThanOrEqual(Math.ceil(due));
  });

  it('a transient failure of the first retry: the received message comes back after the second backoff (about 5 min)', async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    const report = await processAttempt(deps, webhook, queue(token, 1));
    expect(report).toEqual({ ack: false, result: 'failed', attempt: 2 });
    const state = await ledger.getState(webhook.id);
    const due = seconds(state?.attemptLog?.a2?.endedAt, state?.nextAttemptAt);
    expect(due).toBeGreaterThanOrEqual(240);
    expect(due).toBeLessThanOrEqual(360);
    expect(failedQueue.delayed).toHaveLength(1);
    expect(failedQueue.delayed[0]?.receiptHandle).toBe('rh-1');
    expect(failedQueue.delayed[0]?.seconds).toBeGreaterThanOrEqual(Math.floor(due));
    expect(failedQueue.delayed[0]?.seconds).toBeLessThanOrEqual(Math.ceil(due));
  });

  it('RetryLaterError: the next attempt no earlier than the delay asked for, kind retry-later', async () => {
    const { ledger, deps, failedQueue } = harness({
      failWith: new RetryLaterError('the ledger service asked us to wait', 45),
    });
    const webhook = await captured(ledger);
    expect(await processAttempt(deps, webhook, { source: 'stream' })).toEqual({
      ack: true,
      result: 'failed',
      attempt: 1,
    });
    const state = await ledger.getState(webhook.id);
    expect(state).toMatchObject({
      status: 'failed',
      lastError: { code: 'retry_later', kind: 'retry-later', attempt: 1 },
    });
    expect(seconds(state?.attemptLog?.a1?.endedAt, state?.nextAttemptAt)).toBe(45);
    expect(failedQueue.sent[0]?.delaySeconds).toBe(45);
  });

  it('RetryLaterError over 15 minutes waits one SQS hop (900 s)', async () => {
    const { ledger, deps, failedQueue } = harness({
      failWith: new RetryLaterError('come back tomorrow', 86_400),
    });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const state = await ledger.getState(webhook.id);
    expect(seconds(state?.attemptLog?.a1?.endedAt, state?.nextAttemptAt)).toBe(900);
    expect(failedQueue.sent[0]?.delaySeconds).toBe(900);
  });

  it('RetryLaterError on the last attempt is dead like any failure, with its kind', async () => {
    const { ledger, deps, notified } = harness({ failWith: new RetryLaterError('wait', 5) });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    await processAttempt(deps, webhook, queue(token, 1));
    expect(await processAttempt(deps, webhook, queue(token, 2))).toEqual({
      ack: false,
      result: 'dead',
      attempt: 3,
    });
    const state = await ledger.getState(webhook.id);
    expect(state).toMatchObject({ status: 'dead', lastError: { kind: 'retry-later' } });
    expect(state?.nextAttemptAt).toBeUndefined();
    expect(notified).toEqual([webhook.id]);
  });

  it("a redriven webhook's backoff follows its message's receives (about 5 min after the first), not its attempt number", async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    // Three attempts and dead, then a redrive: attempt 4 on its new message's first receive.
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    await processAttempt(deps, webhook, queue(token, 1));
    await processAttempt(deps, webhook, queue(token, 2));
    const dead = (await ledger.getState(webhook.id))!;
    await ledger.requeue(webhook.id, {
      from: 'dead',
      expectedVersion: dead.version,
      queueToken: 'redriven',
    });
    expect(await processAttempt(deps, webhook, queue('redriven', 1))).toMatchObject({
      result: 'failed',
      attempt: 4,
    });
    const state = await ledger.getState(webhook.id);
    const due = seconds(state?.attemptLog?.a4?.endedAt, state?.nextAttemptAt);
    expect(due).toBeGreaterThanOrEqual(240);
    expect(due).toBeLessThanOrEqual(360);
    expect(failedQueue.delayed.at(-1)?.receiptHandle).toBe('rh-1');
  });

  it('the claim of the next attempt clears nextAttemptAt', async () => {
    const { ledger, deps } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    await ledger.claim(webhook.id, {
      from: 'failed',
      leaseSeconds: 60,
      trigger: 'queue',
      queueToken: token,
    });
    expect((await ledger.getState(webhook.id))?.nextAttemptAt).toBeUndefined();
  });

  it('the retry comes after the visibility timeout when its delay cannot be set', async () => {
    const { ledger, deps, failedQueue } = harness({ fails: true });
    const webhook = await captured(ledger);
    await processAttempt(deps, webhook, { source: 'stream' });
    const token = (await ledger.getState(webhook.id))!.queueToken!;
    failedQueue.failWith = new Error('SQS down');
    expect(await processAttempt(deps, webhook, queue(token, 1))).toEqual({
      ack: false,
      result: 'failed',
      attempt: 2,
    });
  });
});
