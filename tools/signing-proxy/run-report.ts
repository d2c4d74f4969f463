/** One request the proxy sent, and what the receiver answered. */
export interface DeliveryRecord {
  /** Order in which the requests were sent. */
  readonly seq: number;
  readonly provider: string;
  readonly eventType: string;
  /** The provider's event id (Stripe `evt_…`, BigCommerce's `webhook-id`). */
  readonly eventId: string;
  readonly resource?: string;
  /** Provider time of the event (ISO). */
  readonly occurredAt?: string;
  /** The receiver's webhook id, when its answer carried one. */
  readonly webhookId?: string;
  /** 0 for the original, 1… for duplicates. */
  readonly copy: number;
  /** The sender's attempt: 1, then 2… for its own retries after a non-2xx answer. */
  readonly attempt: number;
  readonly chaos: readonly string[];
  readonly sentAt: string;
  readonly response: {
    /** 0 when no answer came (connection refused, timeout). */
    readonly status: number;
    readonly body: unknown;
    readonly ms: number;
  };
  /** Why there was no answer. */
  readonly error?: string;
}

/** One event of the run, whatever happened to its deliveries. */
export interface EventRecord {
  readonly index: number;
  readonly provider: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly resource?: string;
  readonly occurredAt?: string;
  /** Extra copies sent. */
  readonly copies: number;
  readonly chaos: readonly string[];
  /** Whether any delivery of it was answered 2xx. */
  readonly acknowledged: boolean;
}

export interface RunReport {
  /** Run again with this seed to reproduce the events and every chaos decision. */
  readonly seed: number;
  readonly receiver: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly events: readonly EventRecord[];
  readonly deliveries: readonly DeliveryRecord[];
  readonly summary: {
    readonly events: number;
    readonly deliveries: number;
    /** Deliveries that were the sender's own retries. */
    readonly retries: number;
    /** Deliveries by answer status (`0`: no answer). */
    readonly byStatus: Readonly<Record<string, number>>;
    /** Events never answered 2xx. */
    readonly unacknowledged: number;
  };
}

/** One line per delivery, then a summary: what `npm run send` prints without `--json`. */
export function formatReport(report: RunReport): string {
  const lines = report.deliveries.map((d) => {
    const status = d.response.status === 0 ? 'ERR' : String(d.response.status);
    const answer = answerText(d);
    const tags = [
      d.copy > 0 ? `copy ${d.copy}` : undefined,
      d.attempt > 1 ? `retry ${d.attempt - 1}` : undefined,
      ...d.chaos,
    ].filter(Boolean);
    return [
      status.padEnd(4),
      `${String(d.response.ms).padStart(5)} ms`,
      d.provider.padEnd(11),
      d.eventType.padEnd(29),
      d.eventId,
      answer,
      tags.length ? `[${tags.join(', ')}]` : '',
    ]
      .filter((part) => part !== '')
      .join('  ');
  });
  const byStatus = Object.entries(report.summary.byStatus)
    .map(([status, count]) => `${count}× ${status === '0' ? 'no answer' : status}`)
    .join(', ');
  lines.push(
    `${report.summary.events} event${report.summary.events === 1 ? '' : 's'}, ` +
      `${report.summary.deliveries} deliver${report.summary.deliveries === 1 ? 'y' : 'ies'} ` +
      `(${byStatus || 'none'}) to ${report.receiver} in ${report.ms} ms; seed ${report.seed}` +
      (report.summary.unacknowledged > 0
        ? `; ${report.summary.unacknowledged} never acknowledged`
        : ''),
  );
  return `${lines.join('\n')}\n`;
}

function answerText(d: DeliveryRecord): string {
  if (d.error) return `(${d.error})`;
  const body = d.response.body as
    | { id?: unknown; duplicate?: unknown; error?: { code?: unknown } }
    | undefined;
  if (body && typeof body === 'object') {
    if (typeof body.id === 'string') return `→ ${body.id}${body.duplicate ? ' (duplicate)' : ''}`;
    if (body.error && typeof body.error.code === 'string') return `→ ${body.error.code}`;
  }
  return '';
}
