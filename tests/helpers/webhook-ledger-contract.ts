import { describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../services/shared/errors.js';
import type { WebhookState, WebhookStatus } from '../../services/webhooks/webhook.js';
import { sha256, type WebhookLedger } from '../../services/webhooks/webhook-ledger.js';
import { inlineBody, webhookRecord } from './webhook-record.js';

export interface LedgerUnderTest {
  /** The ledger, seeing the same items; with `now`, on that clock. */
  ledger(now?: () => Date): WebhookLedger;
  /** What the attention index lists for a status. */
  listAttention(status: Exclude<WebhookStatus, 'completed'>): Promise<WebhookState[]>;
}

async function race<T>(n: number, run: () => Promise<T>) {
  const results = await Promise.allSettled(Array.from({ length: n }, run));
  return {
    won: results
      .filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === 'fulfilled')
      .map((r) => r.value),
    lost: results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason),
  };
}

const inMinutes = (n: number) => () => new Date(Date.now() + n * 60_000);

/**
 * The lifecycle ledger's contract: what every implementation (DynamoDB, in memory) must do.
 * The in-memory ledger passing it is what makes the unit tests of the decisions built on it
 * (process, sweep, redrive, replay) say something about the DynamoDB one.
 */
export function describeLedgerContract(name: string, setup: () => LedgerUnderTest): void {
  describe(`the lifecycle ledger contract: ${name}`, () => {
    const store = () => setup().ledger();

    async function newWebhook() {
      const webhook = webhookRecord();
      expect(await store().create(webhook)).toEqual({ outcome: 'created' });
      return webhook;
    }

    it('creates a webhook once: a second copy is a duplicate and the first is kept', async () => {
      const webhook = await newWebhook();
      expect(await store().create({ ...webhook, receivedAt: new Date().toISOString() })).toEqual({
        outcome: 'duplicate',
      });
      expect(await store().getWebhook(webhook.id)).toEqual(webhook);
      expect((await store().getState(webhook.id))?.conflicts).toBeUndefined();
      expect(await store().getState(webhook.id)).toMatchObject({
        id: webhook.id,
        provider: webhook.provider,
        eventType: webhook.eventType,
        status: 'received',
        attempts: 0,
        version: 1,
        receivedAt: webhook.receivedAt,
        updatedAt: webhook.receivedAt,
      });
    });

    it('keeps the first of two copies with different bodies, and counts the conflict without a new version', async () => {
      const webhook = await newWebhook();
      const other = { ...webhook, body: inlineBody('{"other":true}') };
      const first = await store().create(other);
      expect(first).toEqual({
        outcome: 'duplicate',
        conflict: {
          storedSha256: webhook.body.sha256,
          receivedSha256: other.body.sha256,
          conflicts: 1,
        },
      });
      const second = await store().create({ ...webhook, body: inlineBody('{"third":true}') });
      expect(second).toMatchObject({ outcome: 'duplicate', conflict: { conflicts: 2 } });
      expect(await store().getWebhook(webhook.id)).toEqual(webhook);
      const state = await store().getState(webhook.id);
      expect(state).toMatchObject({
        status: 'received',
        version: 1,
        conflicts: 2,
        conflictSha256: sha256('{"third":true}'),
      });
      expect(state?.lastConflictAt).toBeDefined();
      // The lifecycle goes on as if nothing happened: the stream's claim is unaffected.
      expect(
        await store().claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
      ).toMatchObject({ status: 'processing', attempts: 1, conflicts: 2 });
    });

    it('answers nothing for an unknown webhook, and rejects every change to it', async () => {
      const id = webhookRecord().id;
      expect(await store().getWebhook(id)).toBeUndefined();
      expect(await store().getState(id)).toBeUndefined();
      const attempts = [
        () => store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
        () => store().finish(id, 1, 'completed'),
        () => store().requeue(id, { from: 'dead', expectedVersion: 1, queueToken: 't' }),
        () => store().markEnqueued(id, 't'),
      ];
      for (const attempt of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransitionRejectedError);
        expect((error as TransitionRejectedError).context.current).toBeUndefined();
      }
    });

    it('refuses a transition the status machine does not allow, before writing', async () => {
      const { id } = await newWebhook();
      await expect(
        store().requeue(id, { from: 'failed', expectedVersion: 1, queueToken: 't' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
      await expect(
        store().claim(id, { from: 'dead', leaseSeconds: 60, trigger: 'x' }),
      ).rejects.toThrow(/Invalid status transition dead → processing/);
    });

    it('of 10 racing claims of a received webhook exactly one wins, attempt 1', async () => {
      const { id } = await newWebhook();
      const { won, lost } = await race(10, () =>
        store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
      );
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ status: 'processing', attempts: 1, version: 2 });
      expect(lost).toHaveLength(9);
      for (const error of lost) {
        expect(error).toBeInstanceOf(TransitionRejectedError);
        expect((error as TransitionRejectedError).context.current).toMatchObject({
          status: 'processing',
          attempts: 1,
        });
      }
    });

    it('of racing finishes of one attempt exactly one wins', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      const { won, lost } = await race(6, () =>
        store().finish(id, 1, 'completed', { outcome: 'applied', resource: 'r#1' }),
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(5);
      const state = await store().getState(id);
      expect(state).toMatchObject({
        status: 'completed',
        attempts: 1,
        outcome: 'applied',
        resource: 'r#1',
        version: 3,
      });
      expect(state?.leaseExpiresAt).toBeUndefined();
      expect(state?.attemptLog?.a1).toMatchObject({ result: 'completed', outcome: 'applied' });
    });

    it('a completed webhook cannot be claimed again', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      await store().finish(id, 1, 'completed', { outcome: 'applied' });
      await expect(
        store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
      await expect(
        store().claim(id, { from: 'failed', leaseSeconds: 60, trigger: 'queue', queueToken: 'x' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
    });

    it('only a queue message carrying the current token can claim a retry', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      await store().finish(id, 1, 'failed', {
        error: { code: 'x', message: 'boom' },
        queueToken: 't1',
      });
      await expect(
        store().claim(id, { from: 'failed', leaseSeconds: 60, trigger: 'queue', queueToken: 't0' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
      const second = await store().claim(id, {
        from: 'failed',
        leaseSeconds: 60,
        trigger: 'queue',
        queueToken: 't1',
      });
      expect(second).toMatchObject({ status: 'processing', attempts: 2 });
      await store().finish(id, 2, 'failed', { error: { code: 'x', message: 'boom again' } });
      // SQS redelivers the same message: same token, the next attempt.
      const third = await store().claim(id, {
        from: 'failed',
        leaseSeconds: 60,
        trigger: 'queue',
        queueToken: 't1',
      });
      expect(third).toMatchObject({ attempts: 3 });
      await store().finish(id, 3, 'dead', { error: { code: 'x', message: 'still' } });
      const state = await store().getState(id);
      expect(state).toMatchObject({ status: 'dead', attempts: 3, lastError: { attempt: 3 } });
      expect(
        Object.values(state?.attemptLog ?? {}).map((a) => [a.attempt, a.trigger, a.result]),
      ).toEqual(
        expect.arrayContaining([
          [1, 'stream', 'failed'],
          [2, 'queue', 'failed'],
          [3, 'queue', 'dead'],
        ]),
      );
      expect(state?.attemptLog?.a2).toMatchObject({ error: { message: 'boom again' } });
    });

    it('keeps only the last 10 attempts in the log', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      // Each claim takes over an abandoned attempt, as after repeated crashes.
      for (let n = 1; n <= 11; n++) {
        await setup()
          .ledger(inMinutes(2 * n))
          .claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      }
      const state = await store().getState(id);
      expect(state?.attempts).toBe(12);
      expect(Object.keys(state?.attemptLog ?? {}).sort()).toEqual(
        ['a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10', 'a11', 'a12'].sort(),
      );
    });

    it('an attempt whose lease ran out is taken over, and the old owner can no longer finish', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      // Still under its lease: nobody else may claim it.
      await expect(
        store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
      const later = setup().ledger(inMinutes(2));
      const takeover = await later.claim(id, {
        from: 'received',
        leaseSeconds: 60,
        trigger: 'stream',
      });
      expect(takeover).toMatchObject({ status: 'processing', attempts: 2 });
      await expect(
        store().finish(id, 1, 'completed', { outcome: 'applied' }),
      ).rejects.toBeInstanceOf(TransitionRejectedError);
      await later.finish(id, 2, 'completed', { outcome: 'applied' });
      expect(await store().getState(id)).toMatchObject({ status: 'completed', attempts: 2 });
    });

    it('a requeue conditional on a version applies once when two sweepers race', async () => {
      const { id } = await newWebhook();
      const state = await store().getState(id);
      const { won, lost } = await race(4, () =>
        store().requeue(id, {
          from: 'received',
          expectedVersion: state!.version,
          queueToken: `t-${Math.random()}`,
          reason: { code: 'stream_attempt_lost', message: 'no attempt started' },
        }),
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(3);
      expect(await store().getState(id)).toMatchObject({
        status: 'failed',
        queueToken: won[0]!.queueToken,
        lastError: { code: 'stream_attempt_lost', attempt: 0 },
        version: 2,
      });
    });

    it('a requeue records the message as queued only when it moves an existing one', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      await store().finish(id, 1, 'dead', { error: { code: 'x', message: 'boom' } });
      const dead = (await store().getState(id))!;
      const moved = await store().requeue(id, {
        from: 'dead',
        expectedVersion: dead.version,
        queueToken: 'kept',
        queued: true,
      });
      expect(moved).toMatchObject({ status: 'failed', queueToken: 'kept', queuedToken: 'kept' });
      const lostAgain = await store().requeue(id, {
        from: 'failed',
        expectedVersion: moved.version,
        queueToken: 'fresh',
      });
      expect(lostAgain.queueToken).toBe('fresh');
      expect(lostAgain.queuedToken).toBeUndefined();
    });

    it('a failure with a retry due records nextAttemptAt from its end; a claim and a requeue clear it', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      const failed = await store().finish(id, 1, 'failed', {
        error: { code: 'retry_later', message: 'wait', kind: 'retry-later' },
        queueToken: 't1',
        retryAfterSeconds: 30,
      });
      const endedAt = failed.attemptLog?.a1?.endedAt;
      expect(Date.parse(failed.nextAttemptAt ?? '') - Date.parse(endedAt ?? '')).toBe(30_000);
      expect((await store().getState(id))?.nextAttemptAt).toBe(failed.nextAttemptAt);
      const retried = await store().claim(id, {
        from: 'failed',
        leaseSeconds: 60,
        trigger: 'queue',
        queueToken: 't1',
      });
      expect(retried.nextAttemptAt).toBeUndefined();
      const again = await store().finish(id, 2, 'failed', {
        error: { code: 'x', message: 'y' },
        retryAfterSeconds: 5,
      });
      expect(again.nextAttemptAt).toBeDefined();
      const requeued = await store().requeue(id, {
        from: 'failed',
        expectedVersion: again.version,
        queueToken: 't2',
      });
      expect(requeued.nextAttemptAt).toBeUndefined();
    });

    it('marks the current token enqueued whatever the status, and refuses an old token', async () => {
      const { id } = await newWebhook();
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      await store().finish(id, 1, 'failed', {
        error: { code: 'x', message: 'boom' },
        queueToken: 't1',
      });
      // The retry claimed the message before the stream attempt confirmed it was sent.
      await store().claim(id, {
        from: 'failed',
        leaseSeconds: 60,
        trigger: 'queue',
        queueToken: 't1',
      });
      const before = (await store().getState(id))!;
      const marked = await store().markEnqueued(id, 't1');
      expect(marked).toMatchObject({
        status: 'processing',
        queuedToken: 't1',
        version: before.version,
      });
      expect(marked.queuedAt).toBeDefined();
      expect(marked.updatedAt).toBe(before.updatedAt);
      const error = await store()
        .markEnqueued(id, 't0')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransitionRejectedError);
      expect((error as TransitionRejectedError).context.current).toMatchObject({
        queueToken: 't1',
      });
    });

    it('lists a webhook as needing attention only while it is not completed', async () => {
      const { id } = await newWebhook();
      const ids = async (status: 'received' | 'processing' | 'failed' | 'dead') =>
        (await setup().listAttention(status)).map((s) => s.id);
      expect(await ids('received')).toContain(id);
      await store().claim(id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
      expect(await ids('received')).not.toContain(id);
      expect(await ids('processing')).toContain(id);
      await store().finish(id, 1, 'failed', {
        error: { code: 'x', message: 'y' },
        queueToken: 't',
      });
      expect(await ids('failed')).toContain(id);
      await store().claim(id, {
        from: 'failed',
        leaseSeconds: 60,
        trigger: 'queue',
        queueToken: 't',
      });
      await store().finish(id, 2, 'completed', { outcome: 'applied' });
      for (const status of ['received', 'processing', 'failed', 'dead'] as const) {
        expect(await ids(status)).not.toContain(id);
      }
    });
  });
}
