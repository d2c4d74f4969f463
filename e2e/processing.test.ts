import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecord, WebhookState } from '../services/webhooks/webhook.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { cliAgainst } from './support/operator-cli.js';
import { TARGET } from './support/target.js';
import { eventually, startTestStack, type TestStack } from './support/test-stack.js';

/*
 * What a handler's failure means, on the embedded stack (fault injection on): permanent, retry
 * later, transient with backoff; an event no handler takes; the example handler's side effect
 * (`once`) across a failure, a retry and a replay. Timings are asserted as orderings of the
 * stored timestamps (an attempt starts no earlier than the delay after the failure), never as
 * wall-clock bounds.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const isFinal = (s: { status: string }) => s.status === 'completed' || s.status === 'dead';
const attemptsOf = (state: WebhookState): AttemptRecord[] =>
  Object.values(state.attemptLog ?? {}).sort((a, b) => a.attempt - b.attempt);
/** Milliseconds from one stored time to another. */
const gap = (from: string | undefined, to: string | undefined) =>
  Date.parse(to ?? '') - Date.parse(from ?? '');

const cli = cliAgainst(() => stack.emulator.endpoints.api);

describe.runIf(TARGET.localProcesses)('outcomes of processing on the embedded stack', () => {
  it('permanent: dead after one attempt, the operator notified; a redrive completes once the fault is lifted', async () => {
    const { body } = await stack.send('stripe', stripeEvent(), {
      'x-fault-fail-attempts': '1',
      'x-fault-kind': 'permanent',
    });
    const dead = await stack.waitForState(body.id, isFinal);
    expect(dead).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: { code: 'permanent_failure', kind: 'permanent', attempt: 1 },
    });
    const notification = await eventually(async () =>
      stack.notifications.find((n) => (n.message as { id?: string }).id === body.id),
    );
    expect(notification.message).toMatchObject({ kind: 'webhook.dead', attempts: 1 });

    const status = await cli('status', body.id, '--json');
    expect(status.json).toMatchObject({ status: 'dead', lastError: { kind: 'permanent' } });

    // The fault covered attempt 1 only: attempt 2, from the redrive, succeeds.
    const redriven = await cli('redrive', body.id, '--json');
    expect(redriven.code).toBe(0);
    const completed = await stack.waitForState(body.id, (s) => s.status === 'completed');
    expect(completed).toMatchObject({ attempts: 2, outcome: 'applied' });
  });

  it('retry-later n: nextAttemptAt is n s after the failure, and the next attempt starts no earlier', async () => {
    const { body } = await stack.send('stripe', stripeEvent(), {
      'x-fault-fail-attempts': '1',
      'x-fault-kind': 'retry-later',
      'x-fault-retry-after': '3',
    });
    const pending = await stack.waitForState(body.id, (s) => s.status === 'failed' || isFinal(s));
    expect(pending).toMatchObject({
      status: 'failed',
      lastError: { code: 'retry_later', kind: 'retry-later' },
    });
    const [failed] = attemptsOf(pending);
    expect(gap(failed?.endedAt, pending.nextAttemptAt)).toBe(3_000);

    const done = await stack.waitForState(body.id, isFinal);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    const [first, second] = attemptsOf(done);
    expect(gap(first?.endedAt, second?.startedAt)).toBeGreaterThanOrEqual(3_000);
    expect(done.nextAttemptAt).toBeUndefined();
  });

  it('transient: two retries, each after its backoff (about 1 s, then about 3 s locally), then dead in the DLQ', async () => {
    const { body } = await stack.send('stripe', stripeEvent(), { 'x-fault-fail-attempts': '99' });
    const dead = await stack.waitForState(body.id, isFinal, 60_000);
    expect(dead).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastError: { code: 'injected_fault', kind: 'transient', attempt: 3 },
    });
    const [first, second, third] = attemptsOf(dead);
    // The local profile's backoff: round(1 s ± 20 %) = 1 s, then round(3 s ± 20 %) ≥ 2 s.
    const firstGap = gap(first?.endedAt, second?.startedAt);
    const secondGap = gap(second?.endedAt, third?.startedAt);
    expect(firstGap).toBeGreaterThanOrEqual(1_000);
    expect(secondGap).toBeGreaterThanOrEqual(2_000);
    console.log(
      `retry spacing measured (failure end → next start): ${firstGap} ms, then ${secondGap} ms`,
    );
    // SQS's redrive policy moves the message to the DLQ one visibility timeout later.
    await eventually(
      async () => ((await stack.queueDepth('DeadLetterQueueUrl')).visible > 0 ? true : undefined),
      30_000,
    );
  });

  it('an event no handler takes completes as ignored, and stats counts it', async () => {
    const { body } = await stack.send('stripe', stripeEvent({ type: 'customer.created' }));
    const done = await stack.waitForState(body.id, isFinal);
    expect(done).toMatchObject({ status: 'completed', attempts: 1, outcome: 'ignored' });
    const stats = await cli('stats', '--json');
    expect(stats.json.outcomes.ignored).toBeGreaterThanOrEqual(1);
  });

  it("the example handler's receipt (once) is sent once across a failure after it, the retry and a replay", async () => {
    const { body } = await stack.send('stripe', stripeEvent(), {
      'x-fault-fail-attempts': '1',
      // The attempt fails after the handler ran: the receipt was sent, the attempt still failed.
      'x-fault-after-handler': '1',
    });
    await stack.waitForState(body.id, (s) => s.status === 'completed');
    const replayed = await cli('replay', body.id, '--json');
    expect(replayed.code).toBe(0);
    const again = await stack.waitForState(
      body.id,
      (s) => s.status === 'completed' && s.attempts === 3,
    );
    expect(attemptsOf(again).map((a) => a.result)).toEqual(['failed', 'completed', 'completed']);
    const lines = (event: string) =>
      stack.logs.filter((l) => l.event === event && l.webhookId === body.id);
    await eventually(async () => (lines('side-effect.skipped').length === 2 ? true : undefined));
    expect(lines('receipt.sent')).toHaveLength(1);
    expect(lines('receipt.sent')[0]).toMatchObject({
      attempt: 1,
      idempotencyKey: `${body.id}:receipt`,
    });
  });
});
