import { describe, expect, it } from 'vitest';
import { canTransition, isFinal, sourcesOf } from '../../../services/webhooks/status-machine.js';
import { WEBHOOK_STATUSES, type WebhookStatus } from '../../../services/webhooks/webhook.js';

// The documented lifecycle, written out independently of the module so that adding or dropping
// an edge there shows up here as a failure rather than silently passing.
// The last failed attempt goes straight from processing to dead, never through failed.
const ALLOWED: ReadonlyArray<readonly [WebhookStatus, WebhookStatus]> = [
  ['received', 'processing'],
  ['processing', 'completed'],
  ['processing', 'failed'],
  ['processing', 'dead'],
  // The re-claim of an attempt whose lease ran out.
  ['processing', 'processing'],
  ['failed', 'processing'],
  // An operator redrive of a dead webhook puts it back on the retry path.
  ['dead', 'failed'],
  // The sweeper re-enqueues a webhook whose stream record was lost.
  ['received', 'failed'],
  // An operator replay processes a completed webhook again through the failed queue.
  ['completed', 'failed'],
  // The sweeper re-enqueues a failed webhook whose queue message was lost.
  ['failed', 'failed'],
];

const isAllowed = (from: WebhookStatus, to: WebhookStatus) =>
  ALLOWED.some(([f, t]) => f === from && t === to);

const ALL_PAIRS = WEBHOOK_STATUSES.flatMap((from) =>
  WEBHOOK_STATUSES.map((to) => [from, to] as const),
);

describe('canTransition', () => {
  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['completed', 'processing'],
    ['completed', 'dead'],
    ['completed', 'received'],
    ['completed', 'completed'],
    ['received', 'completed'],
    ['received', 'dead'],
    ['received', 'received'],
    ['dead', 'processing'],
    ['dead', 'completed'],
    ['dead', 'dead'],
    ['failed', 'completed'],
    ['failed', 'dead'],
    ['processing', 'received'],
  ] as const)('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('allows exactly the documented transitions and nothing else', () => {
    const mismatches = ALL_PAIRS.filter(
      ([from, to]) => canTransition(from, to) !== isAllowed(from, to),
    );
    expect(mismatches).toEqual([]);
  });

  it('lets completed go only to failed (an explicit replay)', () => {
    expect(WEBHOOK_STATUSES.filter((to) => canTransition('completed', to))).toEqual(['failed']);
  });

  it('lets nothing re-enter received', () => {
    for (const from of WEBHOOK_STATUSES) expect(canTransition(from, 'received')).toBe(false);
  });
});

describe('sourcesOf', () => {
  const sorted = (statuses: readonly WebhookStatus[]) => [...statuses].sort();

  it.each([
    ['received', []],
    ['processing', ['failed', 'processing', 'received']],
    ['completed', ['processing']],
    ['failed', ['completed', 'dead', 'failed', 'processing', 'received']],
    ['dead', ['processing']],
  ] as const)('lists the statuses that may reach %s', (to, expected) => {
    expect(sorted(sourcesOf(to))).toEqual(expected);
  });

  it('agrees with canTransition for every status', () => {
    for (const to of WEBHOOK_STATUSES) {
      const expected = WEBHOOK_STATUSES.filter((from) => canTransition(from, to));
      expect(sorted(sourcesOf(to))).toEqual(sorted(expected));
    }
  });

  it('returns a fresh array each call, so a caller cannot corrupt the table', () => {
    const first = sourcesOf('processing');
    first.length = 0;
    expect(sourcesOf('processing')).toHaveLength(3);
  });
});

describe('isFinal', () => {
  it.each([
    ['completed', true],
    ['dead', true],
    ['received', false],
    ['processing', false],
    ['failed', false],
  ] as const)('%s is final: %s', (status, expected) => {
    expect(isFinal(status)).toBe(expected);
  });
});
