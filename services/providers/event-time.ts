/**
 * An ISO 8601 date-time with an explicit zone (`Z` or `±hh:mm`), as senders put into payloads and
 * headers, normalised to `Date#toISOString()`; anything else is `undefined`. A zone is required
 * because a date-time without one would be read in this machine's zone. Digits beyond the
 * millisecond are cut before parsing (Shopify sends nanoseconds, Standard Webhooks microseconds):
 * event times are compared at millisecond precision.
 */
export function isoDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // RFC 3339 allows a lower-case `t` and `z`; Date parsing does not.
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(
    value.toUpperCase(),
  );
  if (match === null) return undefined;
  const [, dateTime, fraction = '', zone] = match;
  const millis = fraction === '' ? '' : `.${fraction.slice(0, 3).padEnd(3, '0')}`;
  const date = new Date(`${dateTime}${millis}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
