import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  type HandlerRunDependencies,
  inlinePayload,
  runHandler,
} from '../../../services/processing/run-handler.js';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';
import { PermanentError, SideEffectHeldError } from '../../../services/shared/errors.js';
import type { Webhook } from '../../../services/webhooks/webhook.js';
import { InMemoryProjectionStore } from '../../helpers/in-memory-projection-store.js';
import { inlineBody, webhookRecord } from '../../helpers/webhook-record.js';

/* A handler on its event and context, on the in-memory projection store. */

const log = pino({ level: 'silent' });
const attempt = (n: number) => ({
  attempt: n,
  trigger: 'queue' as const,
  log,
  timeLeftMs: () => 1_000,
});

function deps(handlers: HandlerRunDependencies['handlers']) {
  const projections = new InMemoryProjectionStore();
  let reads = 0;
  const run: HandlerRunDependencies = {
    handlers,
    projections,
    readPayload: async (webhook: Webhook) => {
      reads++;
      return inlinePayload(webhook);
    },
  };
  return { run, projections, reads: () => reads };
}

const intent = (id: string, occurredAt: string, eventId: string) =>
  webhookRecord({
    eventId,
    occurredAt,
    eventType: 'payment_intent.succeeded',
    body: inlineBody(
      JSON.stringify({
        id: eventId,
        type: 'payment_intent.succeeded',
        data: { object: { id, object: 'payment_intent', amount: 1200, currency: 'eur' } },
      }),
    ),
  });

describe('running a handler', () => {
  it('an event no handler takes is ignored, and its body is not even read', async () => {
    const { run, reads } = deps(webhookHandlers().on('stripe', 'charge.refunded', async () => {}));
    expect(
      await runHandler(run, intent('pi_1', '2026-01-01T00:00:00.000Z', 'evt_1'), attempt(1)),
    ).toEqual({
      outcome: 'ignored',
    });
    expect(reads()).toBe(0);
  });

  it('gives the handler its parsed event and the webhook in its context', async () => {
    let seen: unknown;
    const handlers = webhookHandlers().on('stripe', 'payment_intent.*', async (event, context) => {
      seen = {
        amount: event.data.object.amount,
        webhookId: context.webhookId,
        eventId: context.eventId,
        attempt: context.attempt,
        trigger: context.trigger,
        timeLeft: context.timeLeftMs(),
      };
    });
    const webhook = intent('pi_1', '2026-01-01T00:00:00.000Z', 'evt_1');
    const { run } = deps(handlers);
    expect(await runHandler(run, webhook, attempt(2))).toEqual({
      outcome: 'applied',
      pattern: 'payment_intent.*',
    });
    expect(seen).toEqual({
      amount: 1200,
      webhookId: webhook.id,
      eventId: 'evt_1',
      attempt: 2,
      trigger: 'queue',
      timeLeft: 1_000,
    });
  });

  it('latestWins: an older event is stale and changes nothing; the outcome says so', async () => {
    const handlers = webhookHandlers().on('stripe', 'payment_intent.*', async (event, context) => {
      await context.latestWins(`pi#${event.data.object.id}`, { seenAt: context.occurredAt });
    });
    const { run, projections } = deps(handlers);
    const newer = intent('pi_1', '2026-01-01T00:00:02.000Z', 'evt_2');
    const older = intent('pi_1', '2026-01-01T00:00:01.000Z', 'evt_1');
    expect(await runHandler(run, newer, attempt(1))).toMatchObject({
      outcome: 'applied',
      resource: 'pi#pi_1',
    });
    expect(await runHandler(run, older, attempt(1))).toMatchObject({
      outcome: 'stale',
      resource: 'pi#pi_1',
    });
    // The same time: the greater event id wins.
    const tie = intent('pi_1', '2026-01-01T00:00:02.000Z', 'evt_3');
    expect(await runHandler(run, tie, attempt(1))).toMatchObject({ outcome: 'applied' });
    expect((await projections.getProjection('pi#pi_1'))?.lastEventId).toBe('evt_3');
  });

  it("the handler's own result wins over what its helpers found", async () => {
    const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
      await context.latestWins('r#1', {});
      return { outcome: 'stale', resource: 'r#2' };
    });
    const { run } = deps(handlers);
    expect(
      await runHandler(run, intent('pi_1', '2026-01-01T00:00:00.000Z', 'e'), attempt(1)),
    ).toEqual({
      outcome: 'stale',
      resource: 'r#2',
      pattern: 'fallback',
    });
  });

  it('a stored payload that is not JSON is permanent', async () => {
    const { run } = deps(webhookHandlers().fallback('stripe', async () => {}));
    await expect(
      runHandler(run, webhookRecord({ body: inlineBody('not json') }), attempt(1)),
    ).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('once', () => {
  function counting(options: { failFirst?: boolean } = {}) {
    let runs = 0;
    const keys: string[] = [];
    const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
      const receipt = await context.once('charge-card', async (idempotencyKey) => {
        runs++;
        keys.push(idempotencyKey);
        if (options.failFirst && runs === 1) throw new Error('card network down');
        return { receipt: `r${runs}` };
      });
      return { resource: receipt.receipt };
    });
    return { handlers, runs: () => runs, keys };
  }

  it('runs its function once across attempts, and returns the stored result afterwards', async () => {
    const { handlers, runs, keys } = counting();
    const { run } = deps(handlers);
    const webhook = webhookRecord();
    expect(await runHandler(run, webhook, attempt(1))).toMatchObject({ resource: 'r1' });
    // A retry or a replay of the same webhook: the effect is not run again.
    expect(await runHandler(run, webhook, attempt(2))).toMatchObject({ resource: 'r1' });
    expect(await runHandler(run, webhook, attempt(3))).toMatchObject({ resource: 'r1' });
    expect(runs()).toBe(1);
    expect(keys).toEqual([`${webhook.id}:charge-card`]);
  });

  it('a function that failed runs again on the next attempt', async () => {
    const { handlers, runs } = counting({ failFirst: true });
    const { run } = deps(handlers);
    const webhook = webhookRecord();
    await expect(runHandler(run, webhook, attempt(1))).rejects.toThrow('card network down');
    expect(await runHandler(run, webhook, attempt(2))).toMatchObject({ resource: 'r2' });
    expect(runs()).toBe(2);
  });

  it('another webhook has its own side effects', async () => {
    const { handlers, runs } = counting();
    const { run } = deps(handlers);
    await runHandler(run, webhookRecord(), attempt(1));
    await runHandler(run, webhookRecord(), attempt(1));
    expect(runs()).toBe(2);
  });

  it('held by the same attempt (two calls at once): the second fails as held, to be retried', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let runs = 0;
    const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
      const first = context.once('k', async () => {
        runs++;
        await gate;
      });
      const second = context.once('k', async () => {
        runs++;
      });
      await expect(second).rejects.toBeInstanceOf(SideEffectHeldError);
      release();
      await first;
    });
    const { run } = deps(handlers);
    await runHandler(run, webhookRecord(), attempt(1));
    expect(runs).toBe(1);
  });

  it('a hold of an older attempt (its function crashed mid-effect) is taken over', async () => {
    const { handlers, runs } = counting();
    const { run, projections } = deps(handlers);
    const webhook = webhookRecord();
    await projections.beginSideEffect(webhook.id, 'charge-card', 1);
    expect(await runHandler(run, webhook, attempt(2))).toMatchObject({ resource: 'r1' });
    expect(runs()).toBe(1);
  });

  it('refuses a key that cannot be part of a table key, as permanent', async () => {
    const handlers = webhookHandlers().fallback('stripe', async (_event, context) => {
      await context.once('has spaces', async () => {});
    });
    const { run } = deps(handlers);
    await expect(runHandler(run, webhookRecord(), attempt(1))).rejects.toBeInstanceOf(
      PermanentError,
    );
  });
});
