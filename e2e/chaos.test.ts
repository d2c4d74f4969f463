import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Projection } from '../services/webhooks/projection-store.js';
import type { WebhookState } from '../services/webhooks/webhook.js';
import { deriveWebhookId } from '../services/webhooks/webhook-id.js';
import { build } from '../tools/signing-proxy/app.js';
import type { Scenario } from '../tools/signing-proxy/chaos/scenario.js';
import type { EventRecord, RunReport } from '../tools/signing-proxy/run-report.js';
import { scaled, TARGET, targetSecrets } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The receiver under chaos, through the signing proxy: 300 events about 30 resources (15 Stripe
 * payment intents, 15 BigCommerce orders, 10 events each, some at the same provider time),
 * delivered shuffled; 30% of them twice (half of those at the same instant); 5% made to fail
 * their first processing attempt and 1% every attempt. The senders' own retries are on
 * (compressed), as they would be in production. Timing is never asserted: the suite polls
 * until every webhook is final, then checks the end state against the in-order result.
 * CHAOS_SEED replays another plan.
 */

const SEED = Number(process.env.CHAOS_SEED ?? 20_260_301);

const SCENARIO: Scenario = {
  name: 'chaos-e2e',
  generate: [
    {
      provider: 'stripe',
      resources: 15,
      eventsPerResource: 10,
      // charge.refunded is about the intent too, but no processor projects it: `ignored`.
      types: [
        'payment_intent.created',
        'payment_intent.payment_failed',
        'payment_intent.succeeded',
        'charge.refunded',
      ],
      stepSeconds: { min: 1, max: 60 },
      ties: 0.1,
    },
    {
      provider: 'bigcommerce',
      resources: 15,
      eventsPerResource: 10,
      types: ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'],
      stepSeconds: { min: 1, max: 60 },
      ties: 0.1,
    },
  ],
  chaos: {
    reorder: { window: 300 },
    duplicates: { copies: 1, rate: 0.3, concurrent: 0.5, spacingMs: 750 },
    delay: { jitterMs: 20 },
    inject: [
      { rate: 0.05, label: 'fail-once', headers: { 'x-fault-fail-attempts': '1' } },
      { rate: 0.01, label: 'fail-always', headers: { 'x-fault-fail-attempts': '99' } },
    ],
    // A steady sender rather than a flood: the point is disorder, not load (that is the bench's).
    burst: { ratePerSecond: 30 },
    retry: { compress: 1000 },
    maxInFlight: 4,
  },
};

interface Outcome {
  readonly event: EventRecord;
  readonly id: string;
  readonly state: WebhookState;
}

let stack: TestStack;
let report: RunReport;
let outcomes: Outcome[];
let projections: Map<string, Projection | undefined>;
let storedWebhooks: number | undefined;
const timings = { deliverMs: 0, settleMs: 0 };

const isFinal = (s: WebhookState | undefined) => s?.status === 'completed' || s?.status === 'dead';
const injected = (e: EventRecord) =>
  e.chaos.find((c) => c === 'inject:fail-once' || c === 'inject:fail-always');
/** What the example processors keep a projection of. */
const projected = (e: EventRecord) =>
  e.provider === 'stripe'
    ? e.eventType.startsWith('payment_intent.')
    : e.eventType.startsWith('store/order/');
/** Provider time, then event id: the order the store applies (see ProjectionStore.applyProjection). */
const newer = (a: EventRecord, b: EventRecord) =>
  a.occurredAt! > b.occurredAt! || (a.occurredAt === b.occurredAt && a.eventId > b.eventId);
/**
 * Attempts of this webhook that started and never ended (the status item's attempt log): the
 * function running them was cut off at its timeout, and a later attempt took the webhook over
 * once the lease ran out, as it must. On a machine starved of CPU (two e2e suites side by side on
 * two cores) a batch of ten stream records can outlast the local profile's 5 s timeout; that is
 * the environment, not a failure, and it is the only extra attempt the suite forgives. A failed
 * attempt always ends with an error recorded, so it is never mistaken for one of these.
 */
const abandonedAttempts = (o: Outcome): number =>
  Object.values(o.state.attemptLog ?? {}).filter(
    (a) => a.attempt < o.state.attempts && a.endedAt === undefined,
  ).length;
const projectionKey = (e: EventRecord) => {
  const [type, id] = e.resource!.split('/') as [string, string];
  return e.provider === 'stripe' ? `stripe#${type}#${id}` : `bigcommerce#${type}#1025646/${id}`;
};

describe.runIf(TARGET.faultInjection)(`chaos delivery (seed ${SEED})`, () => {
  beforeAll(async () => {
    stack = await startTestStack();
    const secrets = targetSecrets(TARGET.target);
    const proxy = build({
      receiverUrl: stack.apiUrl,
      fetch: stack.fetch,
      secrets: { stripe: [secrets.stripe], bigcommerce: [secrets.bigcommerce] },
    });
    let started = Date.now();
    const response = await proxy.inject({
      method: 'POST',
      url: `/scenario?seed=${SEED}`,
      payload: SCENARIO as unknown as Record<string, unknown>,
    });
    await proxy.close();
    expect(response.statusCode, response.body).toBe(200);
    report = response.json() as RunReport;
    timings.deliverMs = Date.now() - started;

    // Poll until every webhook is completed or dead; no timing is asserted.
    started = Date.now();
    const ids = report.events.map((e) => deriveWebhookId(e.provider, e.eventId));
    const states = new Map<string, WebhookState>();
    const deadline = Date.now() + scaled(120_000);
    for (;;) {
      const open = ids.filter((id) => !isFinal(states.get(id)));
      if (open.length === 0) break;
      if (Date.now() > deadline) {
        const sample = open.slice(0, 3).map((id) => states.get(id) ?? id);
        throw new Error(`${open.length} webhooks not final; e.g. ${JSON.stringify(sample)}`);
      }
      for (let i = 0; i < open.length; i += 25) {
        await Promise.all(
          open.slice(i, i + 25).map(async (id) => {
            const state = await stack.store.ledger.getState(id);
            if (state) states.set(id, state);
          }),
        );
      }
      if (open.some((id) => !isFinal(states.get(id)))) await new Promise((r) => setTimeout(r, 500));
    }
    timings.settleMs = Date.now() - started;
    outcomes = report.events.map((event, i) => ({
      event,
      id: ids[i]!,
      state: states.get(ids[i]!)!,
    }));

    const keys = [...new Set(report.events.filter(projected).map(projectionKey))];
    projections = new Map(
      await Promise.all(
        keys.map(async (key) => [key, await stack.store.projections.getProjection(key)] as const),
      ),
    );
    // The embedded stack is this suite's alone, so its table holds these webhooks and no other.
    if (TARGET.target === 'embedded')
      storedWebhooks = (await stack.store.attention.audit()).webhooks;
  }, 300_000);

  afterAll(async () => {
    const percentile = (p: number) => {
      const ms = report.deliveries.map((d) => d.response.ms).sort((a, b) => a - b);
      return ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
    };
    if (report) {
      const count = (f: (o: Outcome) => boolean) => outcomes?.filter(f).length ?? 0;
      console.log(
        `chaos seed ${report.seed}: ${report.summary.events} events, ` +
          `${report.summary.deliveries} deliveries (${report.events.filter((e) => e.copies > 0).length} duplicated, ` +
          `${report.events.filter((e) => e.chaos.includes('duplicate:concurrent')).length} concurrently; ` +
          `${report.summary.retries} sender retries; ${JSON.stringify(report.summary.byStatus)}), ` +
          `${count((o) => o.state?.outcome === 'stale')} stale, ` +
          `${count((o) => o.state?.status === 'dead')} dead, ` +
          `${count((o) => o.state !== undefined && abandonedAttempts(o) > 0)} taken over after a function timeout; delivered in ${timings.deliverMs} ms, ` +
          `final ${timings.settleMs} ms later; capture p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms`,
      );
    }
    await stack?.stop();
  });

  it('sends the planned mix: 300 events, 30% duplicated (half at once), 5% fail once, 1% always', () => {
    const events = report.events;
    expect(events).toHaveLength(300);
    expect(new Set(events.map((e) => `${e.provider}:${e.eventId}`)).size).toBe(300);
    expect(new Set(events.map((e) => e.resource)).size).toBe(30);
    expect(events.filter((e) => e.copies > 0)).toHaveLength(90);
    expect(events.filter((e) => e.chaos.includes('duplicate:concurrent'))).toHaveLength(45);
    expect(events.filter((e) => injected(e) === 'inject:fail-once')).toHaveLength(15);
    expect(events.filter((e) => injected(e) === 'inject:fail-always')).toHaveLength(3);
    expect(events.filter((e) => e.chaos.includes('reordered')).length).toBeGreaterThan(250);
  });

  it('has every event acknowledged, at most once with 202, every copy with the same webhook id', () => {
    expect(report.events.filter((e) => !e.acknowledged)).toEqual([]);
    for (const { event, id } of outcomes) {
      const answers = report.deliveries.filter(
        (d) => d.provider === event.provider && d.eventId === event.eventId,
      );
      expect(answers.filter((d) => d.response.status === 202).length).toBeLessThanOrEqual(1);
      for (const answer of answers.filter((d) => d.response.status < 300)) {
        expect(answer.webhookId).toBe(id);
      }
    }
    // Only 5xx (the receiver asking for a retry) may be answered other than 2xx.
    expect(
      report.deliveries.filter((d) => d.response.status >= 300 && d.response.status < 500),
    ).toEqual([]);
  });

  it('stores exactly one webhook per distinct event', async () => {
    if (storedWebhooks !== undefined) expect(storedWebhooks).toBe(300);
    for (const { event, id } of outcomes) {
      const webhook = await stack.store.ledger.getWebhook(id);
      expect(webhook).toMatchObject({ eventId: event.eventId, eventType: event.eventType });
    }
  });

  it('completes every event not injected in one attempt, fail-once ones in two', () => {
    for (const o of outcomes.filter((o) => !injected(o.event))) {
      expect(o.state, o.event.eventId).toMatchObject({
        status: 'completed',
        attempts: 1 + abandonedAttempts(o),
      });
      // Never a failed attempt: a takeover (below) records no error.
      expect(o.state.lastError, o.event.eventId).toBeUndefined();
    }
    for (const o of outcomes.filter((o) => injected(o.event) === 'inject:fail-once')) {
      expect(o.state, o.event.eventId).toMatchObject({
        status: 'completed',
        attempts: 2 + abandonedAttempts(o),
        lastError: { code: 'injected_fault', attempt: 1 },
      });
    }
  });

  it('marks exactly the fail-always events dead, after 3 attempts', () => {
    const dead = outcomes.filter((o) => o.state.status === 'dead');
    expect(dead.map((o) => o.event.eventId).sort()).toEqual(
      report.events
        .filter((e) => injected(e) === 'inject:fail-always')
        .map((e) => e.eventId)
        .sort(),
    );
    for (const o of dead) expect(o.state.attempts, o.event.eventId).toBe(3 + abandonedAttempts(o));
  });

  it('leaves every projection at the in-order result: the latest event by provider time wins', () => {
    const byResource = new Map<string, Outcome[]>();
    for (const o of outcomes.filter((o) => projected(o.event) && o.state.status === 'completed')) {
      byResource.set(projectionKey(o.event), [
        ...(byResource.get(projectionKey(o.event)) ?? []),
        o,
      ]);
    }
    expect(byResource.size).toBe(30);
    for (const [key, history] of byResource) {
      const winner = history.reduce((a, b) => (newer(b.event, a.event) ? b : a));
      const projection = projections.get(key);
      expect(projection, key).toMatchObject({
        lastEventId: winner.event.eventId,
        lastEventAt: winner.event.occurredAt,
        lastEventType: winner.event.eventType,
      });
      if (winner.event.provider === 'stripe') {
        expect(projection!.state.status).toBe(
          winner.event.eventType === 'payment_intent.succeeded'
            ? 'succeeded'
            : 'requires_payment_method',
        );
      } else {
        expect(projection!.state.lastScope).toBe(winner.event.eventType);
      }
      expect(winner.state.outcome, key).toBe('applied');
    }
    // Events no processor projects are completed as ignored.
    for (const { state } of outcomes.filter((o) => !projected(o.event) && !injected(o.event))) {
      expect(state.outcome).toBe('ignored');
    }
  });

  it('records an older event as stale where it arrived after a newer one was applied', () => {
    const completed = outcomes.filter((o) => projected(o.event) && o.state.status === 'completed');
    const stale = completed.filter((o) => o.state.outcome === 'stale');
    expect(stale.length).toBeGreaterThan(0);
    for (const o of completed) {
      const history = completed.filter((n) => projectionKey(n.event) === projectionKey(o.event));
      // A newer event of the same resource finished before this one was even received.
      const overtaken = history.some(
        (n) => newer(n.event, o.event) && n.state.updatedAt < o.state.receivedAt,
      );
      if (overtaken) expect(o.state.outcome, o.event.eventId).toBe('stale');
      if (o.state.outcome === 'stale') {
        expect(history.some((n) => newer(n.event, o.event))).toBe(true);
      }
    }
  });

  it.runIf(TARGET.functionLogs)('logs no error but the expected webhook.dead lines', () => {
    const errors = stack.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
    expect(errors.filter((l) => l.event !== 'webhook.dead')).toEqual([]);
    const deadIds = outcomes.filter((o) => o.state.status === 'dead').map((o) => o.id);
    expect(new Set(errors.map((l) => l.webhookId))).toEqual(new Set(deadIds));
    // Lines that are not JSON come from outside the logger: an uncaught error or its stack.
    const unhandled = /unhandled|uncaught|^\s*at\s|^\w*Error\b/i;
    expect(stack.logs.filter((l) => typeof l.raw === 'string' && unhandled.test(l.raw))).toEqual(
      [],
    );
  });
});
