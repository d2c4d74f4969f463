import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  type SweepDependencies,
  sweepWebhooks,
} from '../../../services/webhooks/sweep-webhooks.js';
import type { WebhookLedger } from '../../../services/webhooks/webhook-ledger.js';
import { FakeFailedQueue } from '../../helpers/fake-failed-queue.js';
import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { webhookRecord } from '../../helpers/webhook-record.js';

/* Every sweeper case, decided on the in-memory ledger with a clock the test moves. */

const thresholds = {
  processingGraceSeconds: 10,
  failedAfterSeconds: 300,
  receivedAfterSeconds: 600,
};
const START = Date.parse('2026-12-01T12:00:00.000Z');

function harness() {
  let now = START;
  const clock = () => new Date(now);
  const ledger = new InMemoryWebhookLedger({ now: clock });
  const failedQueue = new FakeFailedQueue();
  const deps = (overrides: Partial<SweepDependencies> = {}): SweepDependencies => ({
    ledger,
    attention: ledger,
    failedQueue,
    thresholds,
    log: pino({ level: 'silent' }),
    now: clock,
    ...overrides,
  });
  return {
    ledger,
    failedQueue,
    deps,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    async captured() {
      const webhook = webhookRecord({ receivedAt: clock().toISOString() });
      await ledger.create(webhook);
      return webhook;
    },
  };
}

describe('the sweeper', () => {
  it('re-enqueues an attempt abandoned past its lease and the grace period, not before', async () => {
    const h = harness();
    const webhook = await h.captured();
    await h.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });

    h.advance(35); // lease over, grace not yet
    expect((await sweepWebhooks(h.deps())).abandoned).toEqual([]);

    h.advance(10);
    const report = await sweepWebhooks(h.deps());
    expect(report.abandoned).toEqual([webhook.id]);
    const state = await h.ledger.getState(webhook.id);
    expect(state).toMatchObject({
      status: 'failed',
      lastError: { code: 'attempt_abandoned', attempt: 1 },
    });
    expect(h.failedQueue.tokensOf(webhook.id)).toEqual([state?.queueToken]);
    expect(state?.queuedToken).toBe(state?.queueToken);
  });

  it('sends a failure whose message was never confirmed, with its own token, once it has settled', async () => {
    const h = harness();
    const webhook = await h.captured();
    await h.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: 'unsent',
    });

    h.advance(5); // young: the attempt may be sending it right now
    expect((await sweepWebhooks(h.deps())).unsent).toEqual([]);
    expect(h.failedQueue.sent).toEqual([]);

    h.advance(10);
    expect((await sweepWebhooks(h.deps())).unsent).toEqual([webhook.id]);
    expect(h.failedQueue.tokensOf(webhook.id)).toEqual(['unsent']);
    expect(await h.ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      queueToken: 'unsent',
      queuedToken: 'unsent',
    });
  });

  it('re-enqueues a failed webhook whose message was lost, counting from when it was last sent', async () => {
    const h = harness();
    const webhook = await h.captured();
    await h.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'x', message: 'boom' },
      queueToken: 'old',
    });
    h.advance(200);
    await h.ledger.markEnqueued(webhook.id, 'old'); // re-sent 200 s after the failure

    h.advance(200); // 400 s since the change, 200 s since it was sent
    expect((await sweepWebhooks(h.deps())).lostMessages).toEqual([]);

    h.advance(150);
    expect((await sweepWebhooks(h.deps())).lostMessages).toEqual([webhook.id]);
    const state = await h.ledger.getState(webhook.id);
    expect(state?.queueToken).not.toBe('old');
    expect(state?.lastError).toMatchObject({ code: 'x', message: 'boom' });
    expect(h.failedQueue.tokensOf(webhook.id)).toEqual([state?.queueToken]);
  });

  it('does not call a delayed retry lost before it is due, and counts from then', async () => {
    const h = harness();
    const webhook = await h.captured();
    await h.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'retry_later', message: 'wait', kind: 'retry-later' },
      queueToken: 't1',
      retryAfterSeconds: 900,
    });
    await h.ledger.markEnqueued(webhook.id, 't1');

    h.advance(900 + 200); // past the failed threshold (300 s) since sent, but due only 200 s ago
    expect((await sweepWebhooks(h.deps())).lostMessages).toEqual([]);

    h.advance(150);
    expect((await sweepWebhooks(h.deps())).lostMessages).toEqual([webhook.id]);
  });

  it('sends an unsent delayed retry held back until it is due', async () => {
    const h = harness();
    const webhook = await h.captured();
    await h.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(webhook.id, 1, 'failed', {
      error: { code: 'retry_later', message: 'wait', kind: 'retry-later' },
      queueToken: 'unsent',
      retryAfterSeconds: 120,
    });
    h.advance(20); // past the grace period: the failure's own send is over
    expect((await sweepWebhooks(h.deps())).unsent).toEqual([webhook.id]);
    expect(h.failedQueue.sent).toEqual([
      { id: webhook.id, queueToken: 'unsent', delaySeconds: 100 },
    ]);
  });

  it('re-enqueues a received webhook whose stream attempt never started', async () => {
    const h = harness();
    const webhook = await h.captured();
    h.advance(500);
    expect((await sweepWebhooks(h.deps())).lostStreamRecords).toEqual([]);
    h.advance(200);
    expect((await sweepWebhooks(h.deps())).lostStreamRecords).toEqual([webhook.id]);
    expect(await h.ledger.getState(webhook.id)).toMatchObject({
      status: 'failed',
      attempts: 0,
      lastError: { code: 'stream_attempt_lost', attempt: 0 },
    });
  });

  it('leaves completed, dead and freshly failed webhooks alone', async () => {
    const h = harness();
    const done = await h.captured();
    await h.ledger.claim(done.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(done.id, 1, 'completed', { outcome: 'applied' });
    const dead = await h.captured();
    await h.ledger.claim(dead.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(dead.id, 1, 'dead', { error: { code: 'x', message: 'y' } });
    h.advance(3600);
    const fresh = await h.captured();
    await h.ledger.claim(fresh.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
    await h.ledger.finish(fresh.id, 1, 'failed', {
      error: { code: 'x', message: 'y' },
      queueToken: 't',
    });
    await h.ledger.markEnqueued(fresh.id, 't');

    const report = await sweepWebhooks(h.deps());
    expect(report).toEqual({
      abandoned: [],
      lostMessages: [],
      unsent: [],
      lostStreamRecords: [],
      raced: 0,
    });
    expect(h.failedQueue.sent).toEqual([]);
  });

  it('counts a webhook changed between its listing and the requeue as raced, and sends nothing', async () => {
    const h = harness();
    const webhook = await h.captured();
    h.advance(700);
    // The stream attempt starts right after the sweeper listed the webhook.
    const listing = h.ledger.listAttention.bind(h.ledger);
    const attention = {
      listAttention: async (...args: Parameters<typeof listing>) => {
        const listed = await listing(...args);
        if (args[0] === 'received' && listed.length > 0) {
          await h.ledger.claim(webhook.id, {
            from: 'received',
            leaseSeconds: 30,
            trigger: 'stream',
          });
        }
        return listed;
      },
    };
    const report = await sweepWebhooks(h.deps({ attention }));
    expect(report.lostStreamRecords).toEqual([]);
    expect(report.raced).toBe(1);
    expect(h.failedQueue.sent).toEqual([]);
    expect((await h.ledger.getState(webhook.id))?.status).toBe('processing');
  });

  it('does not count a requeue whose message could not be sent, and the next sweep sends it', async () => {
    const h = harness();
    const webhook = await h.captured();
    h.advance(700);
    h.failedQueue.failWith = new Error('SQS down');
    const first = await sweepWebhooks(h.deps());
    expect(first.lostStreamRecords).toEqual([]);
    const token = (await h.ledger.getState(webhook.id))?.queueToken;
    expect(token).toBeDefined();

    h.failedQueue.failWith = undefined;
    h.advance(20);
    const second = await sweepWebhooks(h.deps());
    expect(second.unsent).toEqual([webhook.id]);
    expect(h.failedQueue.tokensOf(webhook.id)).toEqual([token]);
  });

  it('lets a sweep fail loudly when the ledger cannot be written', async () => {
    const h = harness();
    const webhook = await h.captured();
    h.advance(700);
    const broken: WebhookLedger = {
      create: (w) => h.ledger.create(w),
      getWebhook: (id) => h.ledger.getWebhook(id),
      getState: (id) => h.ledger.getState(id),
      claim: (id, o) => h.ledger.claim(id, o),
      finish: (id, a, to, d) => h.ledger.finish(id, a, to, d),
      requeue: async () => {
        throw new Error('throttled');
      },
      markEnqueued: (id, t) => h.ledger.markEnqueued(id, t),
    };
    await expect(sweepWebhooks(h.deps({ ledger: broken }))).rejects.toThrow('throttled');
    expect((await h.ledger.getState(webhook.id))?.status).toBe('received');
  });
});
