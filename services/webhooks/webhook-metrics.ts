import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ERROR_CODE_DIMENSION, METRIC } from '../../stack/metrics-schema.js';
import type { Metrics } from '../shared/metrics.js';
import type { AttemptReport } from './process-webhook.js';
import type { SweepReport } from './sweep-webhooks.js';
import type { Webhook } from './webhook.js';

/*
 * What each function's outcomes count as (stack/metrics-schema.ts names them), recorded into the
 * invocation's metrics; the handler flushes them (services/shared/metrics.ts). The domain code
 * never sees a metric: the handlers and record wrappers call these with what it returned.
 */

/** What capture answered: stored, duplicate, or refused with a stable error code. */
export type CaptureAnswer =
  | { readonly kind: 'stored' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly errorCode: string };

export function recordCapture(metrics: Metrics, answer: CaptureAnswer): void {
  if (answer.kind === 'stored') metrics.addMetric(METRIC.received, MetricUnit.Count, 1);
  else if (answer.kind === 'duplicate') metrics.addMetric(METRIC.duplicate, MetricUnit.Count, 1);
  else {
    // A metric of its own, so the error code dimension applies to it alone.
    metrics
      .singleMetric()
      .addDimension(ERROR_CODE_DIMENSION, answer.errorCode)
      .addMetric(METRIC.rejected, MetricUnit.Count, 1);
  }
}

/**
 * One processing attempt's report. Counted once per webhook and attempt as far as the reports
 * allow: `completed` and `dead` are reported only by the attempt that made the change; `failed`
 * by the attempt that failed, or by the redelivery that finally sent its retry (an attempt whose
 * retry could not be sent reports `enqueue-failed`, not counted, and the stream delivers it again).
 * A skipped record (a lost claim, a superseded message) changed nothing and counts nothing.
 */
export function recordAttempt(
  metrics: Metrics,
  webhook: Pick<Webhook, 'receivedAt'>,
  report: Pick<AttemptReport, 'result' | 'outcome'>,
  now: Date = new Date(),
): void {
  switch (report.result) {
    case 'completed': {
      metrics.addMetric(METRIC.completed, MetricUnit.Count, 1);
      if (report.outcome === 'ignored') metrics.addMetric(METRIC.ignored, MetricUnit.Count, 1);
      const receivedAt = Date.parse(webhook.receivedAt);
      if (Number.isFinite(receivedAt)) {
        metrics.addMetric(
          METRIC.processingLatency,
          MetricUnit.Milliseconds,
          Math.max(0, now.getTime() - receivedAt),
        );
      }
      return;
    }
    case 'failed':
      metrics.addMetric(METRIC.failed, MetricUnit.Count, 1);
      return;
    case 'dead':
      metrics.addMetric(METRIC.dead, MetricUnit.Count, 1);
      return;
    default:
      return;
  }
}

/** Every run, found or not, so the dashboard shows each run (0 when nothing was stuck). */
export function recordSweep(
  metrics: Metrics,
  report: Pick<SweepReport, 'abandoned' | 'lostMessages' | 'unsent' | 'lostStreamRecords'>,
): void {
  const found =
    report.abandoned.length +
    report.lostMessages.length +
    report.unsent.length +
    report.lostStreamRecords.length;
  metrics.addMetric(METRIC.sweeperFound, MetricUnit.Count, found);
}
