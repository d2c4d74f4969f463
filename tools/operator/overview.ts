import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AttentionIndex } from '../../services/webhooks/attention-index.js';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import { type ScannableTable, scanWebhooks } from './webhook-scan.js';
import { readStats, type WebhookStats } from './webhook-stats.js';

export interface QueueDepth {
  /** Messages waiting. */
  readonly visible: number;
  /** Messages received by a consumer and not yet deleted (or waiting out a visibility timeout). */
  readonly inFlight: number;
}

/** One minute of the last hour; latency in ms from receipt to completion, null without any. */
export interface ActivityMinute {
  readonly minute: string;
  readonly received: number;
  readonly completed: number;
  readonly dead: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** The console's overview: what `stats` says, and what moves. */
export interface Overview {
  readonly at: string;
  readonly stats: WebhookStats;
  readonly queues: { readonly failed: QueueDepth; readonly deadLetter: QueueDepth };
  /** The webhook received longest ago that is not completed or dead yet. */
  readonly oldestUnprocessed?: {
    readonly id: string;
    readonly status: string;
    readonly receivedAt: string;
    readonly ageSeconds: number;
  };
  /** Per minute over the last hour, oldest first; computed from the statuses. */
  readonly activity: ActivityMinute[];
  readonly latency: { readonly p50Ms: number | null; readonly p99Ms: number | null };
  readonly activityRead: { readonly itemsRead: number; readonly truncated: boolean };
}

export interface OverviewDependencies {
  readonly attention: Pick<AttentionIndex, 'audit' | 'countAttention' | 'listAttention'>;
  readonly table: ScannableTable;
  readonly sqs: SQSClient;
  readonly failedQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** On a deployed stack: read at most this many items for the activity charts. */
  readonly maxItemsRead?: number;
  readonly now?: () => Date;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export async function readOverview(deps: OverviewDependencies): Promise<Overview> {
  const now = (deps.now ?? (() => new Date()))();
  const start = new Date(Math.floor((now.getTime() - HOUR_MS) / MINUTE_MS + 1) * MINUTE_MS);
  const [stats, failed, deadLetter, unprocessed, recent] = await Promise.all([
    readStats(deps.attention),
    queueDepth(deps.sqs, deps.failedQueueUrl),
    queueDepth(deps.sqs, deps.deadLetterQueueUrl),
    Promise.all(
      (['received', 'processing', 'failed'] as const).map((s) => deps.attention.listAttention(s)),
    ),
    scanWebhooks(deps.table, {
      since: start.toISOString(),
      ...(deps.maxItemsRead ? { maxItemsRead: deps.maxItemsRead } : {}),
    }),
  ]);
  const oldest = unprocessed
    .flat()
    .reduce<WebhookState | undefined>(
      (o, s) => (o === undefined || s.receivedAt < o.receivedAt ? s : o),
      undefined,
    );
  const states = recent.webhooks.map((w) => w.state);
  return {
    at: now.toISOString(),
    stats,
    queues: { failed, deadLetter },
    ...(oldest
      ? {
          oldestUnprocessed: {
            id: oldest.id,
            status: oldest.status,
            receivedAt: oldest.receivedAt,
            ageSeconds: Math.max(
              0,
              Math.round((now.getTime() - Date.parse(oldest.receivedAt)) / 1000),
            ),
          },
        }
      : {}),
    activity: activityByMinute(states, start, now),
    latency: percentiles(states.flatMap(latencyOf)),
    activityRead: { itemsRead: recent.itemsRead, truncated: recent.truncated },
  };
}

/** Received per minute by receipt time; completed, dead and latency by the time they ended. */
export function activityByMinute(
  states: readonly WebhookState[],
  start: Date,
  now: Date,
): ActivityMinute[] {
  const count = Math.max(1, Math.ceil((now.getTime() - start.getTime()) / MINUTE_MS));
  const buckets = Array.from({ length: count }, () => ({
    received: 0,
    completed: 0,
    dead: 0,
    latencies: [] as number[],
  }));
  const bucketOf = (iso: string) => {
    const index = Math.floor((Date.parse(iso) - start.getTime()) / MINUTE_MS);
    return index >= 0 && index < count ? buckets[index] : undefined;
  };
  for (const state of states) {
    const received = bucketOf(state.receivedAt);
    if (received) received.received++;
    const ended =
      state.status === 'completed' || state.status === 'dead'
        ? bucketOf(state.updatedAt)
        : undefined;
    if (!ended) continue;
    if (state.status === 'dead') ended.dead++;
    else {
      ended.completed++;
      ended.latencies.push(...latencyOf(state));
    }
  }
  return buckets.map((b, i) => {
    const p = percentiles(b.latencies);
    return {
      minute: new Date(start.getTime() + i * MINUTE_MS).toISOString(),
      received: b.received,
      completed: b.completed,
      dead: b.dead,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
    };
  });
}

/** From receipt to completion, for a completed webhook. */
function latencyOf(state: WebhookState): number[] {
  if (state.status !== 'completed') return [];
  const ms = Date.parse(state.updatedAt) - Date.parse(state.receivedAt);
  return Number.isFinite(ms) && ms >= 0 ? [ms] : [];
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): {
  p50Ms: number | null;
  p99Ms: number | null;
} {
  if (values.length === 0) return { p50Ms: null, p99Ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50Ms: rank(0.5), p99Ms: rank(0.99) };
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
