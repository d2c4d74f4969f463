import type { Rng } from '../prng.js';
import type { ChaosSpec } from './chaos-spec.js';

/** How one delivery differs from what the real sender would send. */
export interface DeliveryMutation {
  readonly tamper?: 'body' | 'signature';
  readonly skewSeconds?: number;
  readonly wrongSecret?: boolean;
  /** Extra request headers: the spec's own, then any injected ones. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What the chaos does to one event, whatever the number of its copies. */
export interface EventChaos {
  readonly event: number;
  /** Where the event goes in the delivery order. */
  readonly position: number;
  /** Extra copies (0: the event is sent once). */
  readonly copies: number;
  readonly concurrent: boolean;
  /** Labels of what was applied: `duplicate:concurrent`, `tamper:body`, `inject:fail-once`, … */
  readonly chaos: readonly string[];
  readonly mutation: DeliveryMutation;
}

export interface PlannedDelivery {
  /** Order in the plan: by start time, then as generated. */
  readonly seq: number;
  readonly event: number;
  /** 0 for the original, 1… for the duplicates. */
  readonly copy: number;
  /** When to start, in ms after the run starts. */
  readonly atMs: number;
  /** Copies sent at the same instant share a group. */
  readonly group?: number;
}

export interface DeliveryPlan {
  readonly events: readonly EventChaos[];
  readonly deliveries: readonly PlannedDelivery[];
}

/**
 * Decides, from the seed alone, what happens to each of `eventCount` events: which are
 * duplicated (and how), tampered, re-timed, signed with the wrong secret or given injected
 * headers, in what order they go and when. Pure: the same seed and spec give the same plan.
 */
export function planDeliveries(eventCount: number, spec: ChaosSpec, rng: Rng): DeliveryPlan {
  const indexes = Array.from({ length: eventCount }, (_, i) => i);
  // Each decision draws its own shuffle in a fixed order, so a plan only depends on the seed.
  const duplicated = choose(indexes, spec.duplicates ? (spec.duplicates.rate ?? 1) : 0, rng);
  const concurrent = choose(
    indexes.filter((i) => duplicated.has(i)),
    spec.duplicates?.concurrent ?? 0,
    rng,
  );
  const tampered = choose(indexes, spec.tamper ? (spec.tamper.rate ?? 1) : 0, rng);
  const skewed = choose(indexes, spec.timestamp ? (spec.timestamp.rate ?? 1) : 0, rng);
  const wrongSecret = choose(indexes, spec.wrongSecret ? (spec.wrongSecret.rate ?? 1) : 0, rng);
  const injected = new Map<number, number>();
  if (spec.inject?.length) {
    const order = rng.shuffle(indexes);
    let next = 0;
    spec.inject.forEach((rule, ruleIndex) => {
      const take = Math.round(rule.rate * eventCount);
      for (const i of order.slice(next, next + take)) injected.set(i, ruleIndex);
      next += take;
    });
  }
  const order = reorder(indexes, spec.reorder?.window ?? 1, rng);

  const events: EventChaos[] = new Array(eventCount);
  order.forEach((event, position) => {
    const chaos: string[] = [];
    const copies = duplicated.has(event) ? spec.duplicates!.copies : 0;
    const isConcurrent = concurrent.has(event);
    if (copies > 0) chaos.push(isConcurrent ? 'duplicate:concurrent' : 'duplicate:spaced');
    if (position !== event) chaos.push('reordered');
    let headers: Record<string, string> = { ...spec.headers };
    const mutation: { -readonly [K in keyof DeliveryMutation]: DeliveryMutation[K] } = { headers };
    if (tampered.has(event)) {
      mutation.tamper = spec.tamper!.kind;
      chaos.push(`tamper:${spec.tamper!.kind}`);
    }
    if (skewed.has(event)) {
      const skew = spec.timestamp!.skewSeconds;
      mutation.skewSeconds = skew;
      chaos.push(`timestamp:${skew > 0 ? '+' : ''}${skew}s`);
    }
    if (wrongSecret.has(event)) {
      mutation.wrongSecret = true;
      chaos.push('wrong-secret');
    }
    const rule = injected.get(event);
    if (rule !== undefined) {
      const { headers: extra, label } = spec.inject![rule]!;
      headers = { ...headers, ...extra };
      mutation.headers = headers;
      chaos.push(
        `inject:${
          label ??
          Object.entries(extra)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')
        }`,
      );
    }
    events[event] = { event, position, copies, concurrent: isConcurrent, chaos, mutation };
  });

  const interval = spec.burst ? 1000 / spec.burst.ratePerSecond : 0;
  const delay = spec.delay?.ms ?? 0;
  const jitter = spec.delay?.jitterMs ?? 0;
  const spacing = spec.duplicates?.spacingMs ?? 1000;
  const unordered: Array<Omit<PlannedDelivery, 'seq'>> = [];
  let group = 0;
  for (const [position, event] of order.entries()) {
    const at = Math.round(position * interval) + delay + (jitter > 0 ? rng.int(0, jitter) : 0);
    const { copies, concurrent: together } = events[event]!;
    const groupId = together ? group++ : undefined;
    for (let copy = 0; copy <= copies; copy++) {
      unordered.push({
        event,
        copy,
        atMs: together ? at : at + copy * spacing,
        ...(groupId === undefined ? {} : { group: groupId }),
      });
    }
  }
  const deliveries = unordered
    .map((d, generated) => ({ d, generated }))
    .sort((a, b) => a.d.atMs - b.d.atMs || a.generated - b.generated)
    .map(({ d }, seq) => ({ seq, ...d }));
  return { events, deliveries };
}

/** Exactly `round(rate × n)` of the items, chosen by the generator. */
function choose(items: readonly number[], rate: number, rng: Rng): Set<number> {
  if (rate <= 0 || items.length === 0) return new Set();
  if (rate >= 1) return new Set(items);
  return new Set(rng.shuffle(items).slice(0, Math.round(rate * items.length)));
}

/** Shuffles within consecutive windows; a window of 1 keeps the order. */
function reorder(items: readonly number[], window: number, rng: Rng): number[] {
  if (window <= 1) return [...items];
  const out: number[] = [];
  for (let start = 0; start < items.length; start += window) {
    out.push(...rng.shuffle(items.slice(start, start + window)));
  }
  return out;
}
