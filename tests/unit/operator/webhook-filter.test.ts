import { describe, expect, it } from 'vitest';
import type { WebhookState } from '../../../services/webhooks/webhook.js';
import { activityByMinute, percentiles } from '../../../tools/operator/overview.js';
import {
  FilterError,
  filterToQuery,
  matchesFields,
  parseFilter,
  parseTime,
} from '../../../tools/operator/webhook-filter.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');

describe('filters (CLI options and console query parameters)', () => {
  it('takes ages and times, and says what it takes otherwise', () => {
    expect(parseTime('90m', NOW)).toBe('2026-12-01T10:30:00.000Z');
    expect(parseTime('2d', NOW)).toBe('2026-11-29T12:00:00.000Z');
    expect(parseTime('2026-12-01T11:00:00Z', NOW)).toBe('2026-12-01T11:00:00.000Z');
    expect(() => parseTime('yesterday', NOW)).toThrow(/ISO 8601.*30m, 2h, 7d/);
    expect(() => parseTime('', NOW)).toThrow(FilterError);
  });

  it('reads every field from strings, leaves empty ones out, and refuses an unknown status', () => {
    const filter = parseFilter(
      {
        status: 'dead',
        provider: 'stripe',
        type: 'charge.failed',
        since: '1h',
        q: ' evt_1 ',
        until: '',
      },
      NOW,
    );
    expect(filter).toEqual({
      status: 'dead',
      provider: 'stripe',
      eventType: 'charge.failed',
      since: '2026-12-01T11:00:00.000Z',
      text: 'evt_1',
    });
    expect(parseFilter(filterToQuery(filter), NOW)).toEqual(filter);
    expect(() => parseFilter({ status: 'lost' })).toThrow(/status must be one of received/);
    expect(() => parseFilter({ q: 'x'.repeat(513) })).toThrow(/too long/);
  });

  it('matches on status, provider, type and the receipt window', () => {
    const state = {
      status: 'dead' as const,
      provider: 'stripe',
      eventType: 'charge.failed',
      receivedAt: '2026-12-01T11:30:00.000Z',
    };
    expect(matchesFields(state, {})).toBe(true);
    expect(matchesFields(state, { status: 'dead', provider: 'stripe' })).toBe(true);
    expect(matchesFields(state, { provider: 'bigcommerce' })).toBe(false);
    expect(matchesFields(state, { eventType: 'charge.succeeded' })).toBe(false);
    expect(matchesFields(state, { since: '2026-12-01T11:30:00.000Z' })).toBe(true);
    expect(matchesFields(state, { until: '2026-12-01T11:30:00.000Z' })).toBe(false);
  });
});

describe("the overview's last hour, computed from the statuses", () => {
  const state = (overrides: Partial<WebhookState>): WebhookState => ({
    id: 'id',
    provider: 'stripe',
    eventType: 't',
    status: 'completed',
    attempts: 1,
    receivedAt: '2026-12-01T11:58:10.000Z',
    updatedAt: '2026-12-01T11:58:10.500Z',
    version: 3,
    ...overrides,
  });

  it('counts received by receipt minute, completed and dead by the minute they ended', () => {
    const start = new Date('2026-12-01T11:57:00.000Z');
    const minutes = activityByMinute(
      [
        state({}),
        state({ receivedAt: '2026-12-01T11:58:50.000Z', updatedAt: '2026-12-01T11:59:01.000Z' }),
        state({ status: 'dead', updatedAt: '2026-12-01T11:59:30.000Z' }),
        state({ status: 'failed', receivedAt: '2026-12-01T11:59:59.000Z' }),
        state({ receivedAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:01.000Z' }),
      ],
      start,
      NOW,
    );
    expect(minutes.map((m) => [m.minute.slice(11, 16), m.received, m.completed, m.dead])).toEqual([
      ['11:57', 0, 0, 0],
      ['11:58', 3, 1, 0],
      ['11:59', 1, 1, 1],
    ]);
    expect(minutes[1]).toMatchObject({ p50Ms: 500, p99Ms: 500 });
    expect(minutes[2]).toMatchObject({ p50Ms: 11_000 });
    expect(minutes[0]).toMatchObject({ p50Ms: null, p99Ms: null });
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toEqual({ p50Ms: 50, p99Ms: 99 });
    expect(percentiles([7])).toEqual({ p50Ms: 7, p99Ms: 7 });
    expect(percentiles([])).toEqual({ p50Ms: null, p99Ms: null });
  });
});
