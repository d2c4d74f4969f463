import { describe, expect, it } from 'vitest';
import { isoDateTime } from '../../../services/providers/event-time.js';

describe('isoDateTime', () => {
  it.each([
    ['GitHub, seconds and Z', '2019-05-15T15:20:33Z', '2019-05-15T15:20:33.000Z'],
    ['Shopify payload, with an offset', '2024-11-10T10:30:00-05:00', '2024-11-10T15:30:00.000Z'],
    ['Shopify header, nanoseconds', '2023-03-29T18:00:27.877041743Z', '2023-03-29T18:00:27.877Z'],
    ['Standard Webhooks, microseconds', '2022-11-03T20:26:10.344522Z', '2022-11-03T20:26:10.344Z'],
    ['one fractional digit', '2022-11-03T20:26:10.3Z', '2022-11-03T20:26:10.300Z'],
    ['lower-case t and z (RFC 3339)', '2022-11-03t20:26:10z', '2022-11-03T20:26:10.000Z'],
  ])('normalises %s', (_, value, expected) => {
    expect(isoDateTime(value)).toBe(expected);
  });

  it.each([
    ['no zone (it would be read in local time)', '2024-11-10T10:30:00'],
    ['a date only', '2024-11-10'],
    ['epoch seconds', 1731234600],
    ['an impossible month', '2024-13-10T10:30:00Z'],
    ['text', 'yesterday'],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s', (_, value) => {
    expect(isoDateTime(value)).toBeUndefined();
  });
});
