import { errorFields, type Logger } from '../shared/logger.js';
import type { AttentionIndex } from './attention-index.js';
import type { FailedQueue } from './failed-queue.js';
import {
  RetryNotSentError,
  type RetryRequest,
  type RetryScheduled,
  scheduleRetry,
} from './schedule-retry.js';
import type { WebhookState } from './webhook.js';
import type { WebhookLedger } from './webhook-ledger.js';

export interface SweepThresholds {
  /** An attempt whose lease ran out this long ago was abandoned (its function died). */
  readonly processingGraceSeconds: number;
  /** A `failed` webhook untouched this long has lost its queue message. */
  readonly failedAfterSeconds: number;
  /** A `received` webhook this old never got its stream attempt. */
  readonly receivedAfterSeconds: number;
}

export interface SweepDependencies {
  readonly ledger: WebhookLedger;
  readonly attention: Pick<AttentionIndex, 'listAttention'>;
  readonly failedQueue: FailedQueue;
  readonly thresholds: SweepThresholds;
  readonly log: Logger;
  readonly now?: () => Date;
}

export interface SweepReport {
  readonly abandoned: string[];
  readonly lostMessages: string[];
  readonly unsent: string[];
  readonly lostStreamRecords: string[];
  /** Changed by someone else between our read and our write: left alone this time. */
  readonly raced: number;
}

/**
 * Finds webhooks that nothing will move any more and puts them back on the failed queue: an
 * attempt abandoned past its lease, a `failed` webhook whose message was lost (fauxqs keeps
 * queues in memory), a failure whose message was never sent, a `received` webhook whose stream
 * record was lost. Reads the sparse index only. Every change is conditional on the version
 * read, so two sweeps at once, or a sweep racing the pipeline, change each webhook once.
 */
export async function sweepWebhooks(deps: SweepDependencies): Promise<SweepReport> {
  const now = deps.now?.() ?? new Date();
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
  const report = {
    abandoned: [] as string[],
    lostMessages: [] as string[],
    unsent: [] as string[],
    lostStreamRecords: [] as string[],
    raced: 0,
  };

  const processing = await deps.attention.listAttention('processing');
  for (const state of processing) {
    const expiredAt = state.leaseExpiresAt ?? 0;
    if (expiredAt > now.getTime() - deps.thresholds.processingGraceSeconds * 1000) continue;
    const reason = {
      code: 'attempt_abandoned',
      message: `Attempt ${state.attempts} did not finish: its function crashed or timed out.`,
    };
    if (await requeue(deps, state, 'processing', reason, report)) report.abandoned.push(state.id);
  }

  const failed = await deps.attention.listAttention('failed');
  for (const state of failed) {
    const settled = state.updatedAt <= ago(deps.thresholds.processingGraceSeconds);
    if (state.queueToken && state.queuedToken !== state.queueToken) {
      // Young: the attempt that failed may be sending it right now.
      if (!settled) continue;
      // The failure was recorded but its message never confirmed sent: send it now, still held
      // back until the retry is due.
      const sent = await send(deps, state, state.queueToken);
      if (sent) report.unsent.push(state.id);
      continue;
    }
    // Silent since its last change, since its message was sent (re-sent by another sweep, say),
    // or since its retry was due (a delayed message is not lost before then), whichever is
    // latest.
    const lastHeard = [state.queuedAt, state.nextAttemptAt].reduce<string>(
      (latest, at) => (at && at > latest ? at : latest),
      state.updatedAt,
    );
    if (lastHeard > ago(deps.thresholds.failedAfterSeconds)) continue;
    const reason = state.lastError && {
      code: state.lastError.code,
      message: state.lastError.message,
    };
    if (await requeue(deps, state, 'failed', reason, report)) report.lostMessages.push(state.id);
  }

  const received = await deps.attention.listAttention('received', {
    updatedBefore: ago(deps.thresholds.receivedAfterSeconds),
  });
  for (const state of received) {
    const reason = { code: 'stream_attempt_lost', message: 'No stream attempt started in time.' };
    if (await requeue(deps, state, 'received', reason, report))
      report.lostStreamRecords.push(state.id);
  }

  const changed =
    report.abandoned.length +
    report.lostMessages.length +
    report.unsent.length +
    report.lostStreamRecords.length;
  deps.log[changed > 0 ? 'warn' : 'info'](
    { event: 'sweep.done', ...countsOf(report) },
    'sweep finished',
  );
  return report;
}

async function requeue(
  deps: SweepDependencies,
  state: WebhookState,
  from: 'processing' | 'failed' | 'received',
  reason: { code: string; message: string } | undefined,
  report: { raced: number },
): Promise<boolean> {
  return schedule(deps, state, report, {
    requeue: {
      from,
      expectedVersion: state.version,
      attempt: state.attempts,
      ...(reason ? { reason } : {}),
    },
  });
}

async function send(
  deps: SweepDependencies,
  state: WebhookState,
  queueToken: string,
): Promise<boolean> {
  return schedule(
    deps,
    state,
    { raced: 0 },
    { send: { queueToken, ...(state.nextAttemptAt ? { notBefore: state.nextAttemptAt } : {}) } },
  );
}

/** One scheduleRetry, logged; true when the message was sent. */
async function schedule(
  deps: SweepDependencies,
  state: WebhookState,
  report: { raced: number },
  request: RetryRequest,
): Promise<boolean> {
  const log = deps.log.child({
    webhookId: state.id,
    provider: state.provider,
    eventType: state.eventType,
    attempt: state.attempts,
  });
  const webhook = await deps.ledger.getWebhook(state.id);
  if (!webhook) {
    log.error({ event: 'sweep.webhook-missing' }, 'status without its webhook item; left alone');
    return false;
  }
  let scheduled: RetryScheduled;
  try {
    scheduled = await scheduleRetry(deps, webhook, request);
  } catch (error) {
    // A ledger failure ends the sweep (the next one starts over); a message that could not be
    // sent leaves a token with no confirmed message, which the next sweep sends.
    if (!(error instanceof RetryNotSentError)) throw error;
    log.error(
      { event: 'sweep.enqueue-failed', ...errorFields(error) },
      'could not queue the retry; the next sweep tries again',
    );
    return false;
  }
  if (scheduled.result === 'raced') {
    report.raced++;
    return false;
  }
  if ('requeue' in request) {
    log.warn(
      { event: 'sweep.requeued', from: request.requeue.from },
      'webhook re-enqueued by the sweeper',
    );
  }
  if (scheduled.result === 'unconfirmed' && !scheduled.superseded) {
    // Sent, but the status does not show it: a later sweep may send it once more, which is
    // harmless (the same token claims at most one attempt at a time).
    log.warn(
      { event: 'sweep.enqueue-unconfirmed', ...errorFields(scheduled.error) },
      'retry sent but not confirmed',
    );
  }
  return true;
}

function countsOf(report: SweepReport) {
  return {
    abandoned: report.abandoned.length,
    lostMessages: report.lostMessages.length,
    unsent: report.unsent.length,
    lostStreamRecords: report.lostStreamRecords.length,
    raced: report.raced,
  };
}
