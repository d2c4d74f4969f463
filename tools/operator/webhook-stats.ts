import {
  ATTENTION_STATUSES,
  type AttentionIndex,
} from '../../services/webhooks/attention-index.js';
import type { WebhookStatus } from '../../services/webhooks/webhook.js';

export type StatusCounts = Record<WebhookStatus, number>;

export interface StatsCheck {
  readonly name: string;
  readonly holds: boolean;
  readonly detail: string;
}

/** What `webhooks stats --json` prints and the console's overview shows. */
export interface WebhookStats {
  /** WEBHOOK items: every webhook ever stored (and not yet expired). */
  readonly received: number;
  readonly byStatus: StatusCounts;
  /** received + processing + failed. */
  readonly inFlight: number;
  readonly byProvider: Record<string, StatusCounts>;
  readonly conflicts: { readonly webhooks: number; readonly copies: number };
  /** Completed webhooks by outcome (`applied`, `ignored`, `stale`, ...). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** received = completed + dead + in flight, and the attention index agrees with the items. */
  readonly checks: StatsCheck[];
  readonly holds: boolean;
}

const noCounts = (): StatusCounts => ({
  received: 0,
  processing: 0,
  completed: 0,
  failed: 0,
  dead: 0,
});

/**
 * Counts every webhook by status and provider (the audit reads the whole table) and checks the
 * conservation law: nothing received is lost, each webhook is completed, dead or still in flight,
 * and the attention index holds exactly the webhooks that are not completed.
 */
export async function readStats(
  attention: Pick<AttentionIndex, 'audit' | 'countAttention'>,
): Promise<WebhookStats> {
  const [audit, indexed] = await Promise.all([attention.audit(), attention.countAttention()]);
  const byStatus = noCounts();
  const byProvider: Record<string, StatusCounts> = {};
  for (const { status, provider, count } of audit.statuses) {
    byStatus[status] += count;
    byProvider[provider] ??= noCounts();
    byProvider[provider][status] += count;
  }
  const inFlight = byStatus.received + byStatus.processing + byStatus.failed;
  const checks: StatsCheck[] = [
    {
      name: 'received = completed + dead + in flight',
      holds: audit.webhooks === byStatus.completed + byStatus.dead + inFlight,
      detail: `${audit.webhooks} = ${byStatus.completed} + ${byStatus.dead} + ${inFlight}`,
    },
    ...ATTENTION_STATUSES.map((s) => ({
      name: `index holds every ${s} webhook`,
      holds: indexed[s] === byStatus[s],
      detail: `${indexed[s]} indexed, ${byStatus[s]} stored`,
    })),
  ];
  return {
    received: audit.webhooks,
    byStatus,
    inFlight,
    byProvider,
    conflicts: audit.conflicts,
    outcomes: audit.outcomes,
    checks,
    holds: checks.every((c) => c.holds),
  };
}
