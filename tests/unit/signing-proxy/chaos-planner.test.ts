import { describe, expect, it } from 'vitest';
import { planDeliveries } from '../../../tools/signing-proxy/chaos/chaos-planner.js';
import {
  type ChaosSpec,
  chaosFromFlags,
  parseChaosSpec,
} from '../../../tools/signing-proxy/chaos/chaos-spec.js';
import { InvalidProxyRequestError } from '../../../tools/signing-proxy/errors.js';
import { Rng } from '../../../tools/signing-proxy/prng.js';

/** The chaos e2e suite's mix. */
const SUITE: ChaosSpec = {
  duplicates: { copies: 1, rate: 0.3, concurrent: 0.5, spacingMs: 400 },
  reorder: { window: 1000 },
  delay: { jitterMs: 20 },
  inject: [
    { rate: 0.05, headers: { 'x-fault-fail-attempts': '1' }, label: 'fail-once' },
    { rate: 0.01, headers: { 'x-fault-fail-attempts': '99' }, label: 'fail-always' },
  ],
};

describe('planDeliveries', () => {
  it('makes the same plan from the same seed, and another from another seed', () => {
    const a = planDeliveries(300, SUITE, new Rng(11));
    expect(planDeliveries(300, SUITE, new Rng(11))).toEqual(a);
    expect(planDeliveries(300, SUITE, new Rng(12))).not.toEqual(a);
  });

  it('applies each rate to exactly round(rate × events) events', () => {
    const plan = planDeliveries(300, SUITE, new Rng(1));
    const duplicated = plan.events.filter((e) => e.copies > 0);
    expect(duplicated).toHaveLength(90);
    expect(duplicated.filter((e) => e.concurrent)).toHaveLength(45);
    expect(plan.events.filter((e) => e.chaos.includes('inject:fail-once'))).toHaveLength(15);
    expect(plan.events.filter((e) => e.chaos.includes('inject:fail-always'))).toHaveLength(3);
    expect(plan.deliveries).toHaveLength(390);
  });

  it('gives each injected event one rule only, with that rule’s headers', () => {
    const plan = planDeliveries(300, SUITE, new Rng(2));
    for (const event of plan.events) {
      const rules = event.chaos.filter((c) => c.startsWith('inject:'));
      expect(rules.length).toBeLessThanOrEqual(1);
      const header = event.mutation.headers['x-fault-fail-attempts'];
      if (rules[0] === 'inject:fail-once') expect(header).toBe('1');
      else if (rules[0] === 'inject:fail-always') expect(header).toBe('99');
      else expect(header).toBeUndefined();
    }
  });

  it('sends concurrent copies in one group at one instant, and spaced copies spacingMs apart', () => {
    const plan = planDeliveries(300, SUITE, new Rng(3));
    for (const event of plan.events.filter((e) => e.copies > 0)) {
      const copies = plan.deliveries.filter((d) => d.event === event.event);
      expect(copies.map((d) => d.copy).sort()).toEqual([0, 1]);
      const [first, second] = copies.sort((x, y) => x.copy - y.copy) as [
        (typeof copies)[0],
        (typeof copies)[0],
      ];
      if (event.concurrent) {
        expect(first.group).toBeDefined();
        expect(second.group).toBe(first.group);
        expect(second.atMs).toBe(first.atMs);
      } else {
        expect(first.group).toBeUndefined();
        expect(second.atMs - first.atMs).toBe(400);
      }
    }
  });

  it('lists deliveries by start time and numbers them in that order', () => {
    const plan = planDeliveries(50, { ...SUITE, burst: { ratePerSecond: 100 } }, new Rng(4));
    plan.deliveries.forEach((d, i) => {
      expect(d.seq).toBe(i);
      if (i > 0) expect(d.atMs).toBeGreaterThanOrEqual(plan.deliveries[i - 1]!.atMs);
    });
  });

  it('shuffles within each reorder window only, and keeps the order without one', () => {
    const inOrder = planDeliveries(20, {}, new Rng(5));
    expect(inOrder.events.map((e) => e.position)).toEqual(inOrder.events.map((e) => e.event));
    expect(inOrder.events.every((e) => e.chaos.length === 0)).toBe(true);

    const windowed = planDeliveries(20, { reorder: { window: 5 } }, new Rng(5));
    for (const event of windowed.events) {
      expect(Math.floor(event.position / 5)).toBe(Math.floor(event.event / 5));
    }
    expect(windowed.events.some((e) => e.chaos.includes('reordered'))).toBe(true);
  });

  it('paces a burst at its rate and adds delay and jitter within bounds', () => {
    const plan = planDeliveries(
      10,
      { burst: { ratePerSecond: 50 }, delay: { ms: 100, jitterMs: 10 } },
      new Rng(6),
    );
    for (const d of plan.deliveries) {
      const base = plan.events[d.event]!.position * 20 + 100;
      expect(d.atMs).toBeGreaterThanOrEqual(base);
      expect(d.atMs).toBeLessThanOrEqual(base + 10);
    }
  });

  it('applies a single request’s chaos (rate 1) to every event', () => {
    const plan = planDeliveries(
      3,
      {
        tamper: { kind: 'signature' },
        timestamp: { skewSeconds: -600 },
        wrongSecret: {},
        headers: { 'x-test': 'yes' },
      },
      new Rng(7),
    );
    for (const event of plan.events) {
      expect(event.mutation).toEqual({
        tamper: 'signature',
        skewSeconds: -600,
        wrongSecret: true,
        headers: { 'x-test': 'yes' },
      });
      expect(event.chaos).toEqual(['tamper:signature', 'timestamp:-600s', 'wrong-secret']);
    }
  });
});

describe('chaos options', () => {
  it('reads flat flags (query string, CLI) into the same spec', () => {
    expect(
      chaosFromFlags({
        duplicates: '2',
        concurrent: true,
        tamper: 'body',
        stale: '',
        'wrong-secret': true,
        header: ['x-fault-fail-attempts=1', 'X-Trace: abc'],
        retry: '1',
        compress: '1000',
        rate: '20',
      }),
    ).toEqual({
      duplicates: { copies: 2, concurrent: 1 },
      burst: { ratePerSecond: 20 },
      tamper: { kind: 'body' },
      timestamp: { skewSeconds: -600 },
      wrongSecret: {},
      headers: { 'x-fault-fail-attempts': '1', 'x-trace': 'abc' },
      retry: { compress: 1000 },
    });
    expect(chaosFromFlags({ future: true, wrongSecret: 'false' })).toEqual({
      timestamp: { skewSeconds: 600 },
    });
  });

  it('rejects what it does not understand, saying where', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ duplicate: { copies: 1 } }, /chaos\.duplicate is not a chaos option/],
      [{ duplicates: {} }, /duplicates\.copies is required/],
      [{ duplicates: { copies: 1, rate: 2 } }, /duplicates\.rate must be a number from 0 to 1/],
      [{ tamper: { kind: 'headers' } }, /tamper\.kind must be "body" or "signature"/],
      [
        {
          inject: [
            { rate: 0.7, headers: {} },
            { rate: 0.5, headers: {} },
          ],
        },
        /add up to 1\.2/,
      ],
      [{ headers: { 'bad header': 'x' } }, /not a valid header name/],
      [{ reorder: { window: 2.5 } }, /reorder\.window must be an integer/],
    ];
    for (const [spec, message] of bad) {
      expect(() => parseChaosSpec(spec)).toThrow(InvalidProxyRequestError);
      expect(() => parseChaosSpec(spec)).toThrow(message);
    }
    expect(() => chaosFromFlags({ duplicates: 'two' })).toThrow(/--duplicates must be a number/);
  });
});
