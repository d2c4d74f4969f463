import { WEBHOOK_STATUSES, type WebhookStatus } from '../../services/webhooks/webhook.js';

/**
 * Which webhooks an operator means: what `list`, the console's list page and a bulk redrive or
 * replay select by. Every field is optional; times are ISO 8601 (receipt time).
 */
export interface WebhookFilter {
  readonly status?: WebhookStatus;
  readonly provider?: string;
  readonly eventType?: string;
  /** Received at or after. */
  readonly since?: string;
  /** Received before. */
  readonly until?: string;
  /** A webhook id, a provider event id, a resource, or text in the payload. */
  readonly text?: string;
}

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A time (ISO 8601) or an age like `30m`, `2h`, `7d` before `now`, as ISO 8601. */
export function parseTime(value: string, now: Date = new Date(), name = '--since'): string {
  const relative = /^(\d+)([smhd])$/.exec(value.trim());
  if (relative) {
    const unit = UNITS[relative[2] as keyof typeof UNITS];
    return new Date(now.getTime() - Number(relative[1]) * unit).toISOString();
  }
  const date = new Date(value);
  if (value.trim() === '' || Number.isNaN(date.getTime()))
    throw new FilterError(
      `${name} takes a time (ISO 8601) or an age like 30m, 2h, 7d; got "${value.slice(0, 40)}".`,
    );
  return date.toISOString();
}

/**
 * A filter from untrusted strings (command-line options, query parameters), checked: an unknown
 * status or a bad time is a FilterError that says what is accepted.
 */
export function parseFilter(
  raw: Readonly<Record<string, unknown>>,
  now: Date = new Date(),
): WebhookFilter {
  const text = (name: string) => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    const s = String(value).trim();
    if (s.length > 512) throw new FilterError(`${name} is too long (at most 512 characters).`);
    return s === '' ? undefined : s;
  };
  const status = text('status');
  if (status !== undefined && !(WEBHOOK_STATUSES as readonly string[]).includes(status))
    throw new FilterError(`status must be one of ${WEBHOOK_STATUSES.join(', ')}; got "${status}".`);
  const since = text('since');
  const until = text('until');
  const filter: WebhookFilter = {
    ...(status ? { status: status as WebhookStatus } : {}),
    ...(text('provider') ? { provider: text('provider')! } : {}),
    ...(text('type') ? { eventType: text('type')! } : {}),
    ...(since ? { since: parseTime(since, now, 'since') } : {}),
    ...(until ? { until: parseTime(until, now, 'until') } : {}),
    ...(text('q') ? { text: text('q')! } : {}),
  };
  return filter;
}

/** The filter as query parameters (the inverse of parseFilter), for links and forms. */
export function filterToQuery(filter: WebhookFilter): Record<string, string> {
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.provider ? { provider: filter.provider } : {}),
    ...(filter.eventType ? { type: filter.eventType } : {}),
    ...(filter.since ? { since: filter.since } : {}),
    ...(filter.until ? { until: filter.until } : {}),
    ...(filter.text ? { q: filter.text } : {}),
  };
}

/** Whether a webhook's status (and, for text, its immutable item) matches every field but text. */
export function matchesFields(
  state: {
    status: WebhookStatus;
    provider: string;
    eventType: string;
    receivedAt: string;
  },
  filter: WebhookFilter,
): boolean {
  return (
    (filter.status === undefined || state.status === filter.status) &&
    (filter.provider === undefined || state.provider === filter.provider) &&
    (filter.eventType === undefined || state.eventType === filter.eventType) &&
    (filter.since === undefined || state.receivedAt >= filter.since) &&
    (filter.until === undefined || state.receivedAt < filter.until)
  );
}
