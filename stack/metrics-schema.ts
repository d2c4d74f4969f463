/*
 * The custom CloudWatch metrics the functions emit (Embedded Metric Format, Powertools Metrics)
 * and the stack's dashboard and alarms read: names, units and dimensions are spelled here only.
 * No CDK import here: this module ships in the Lambda bundles.
 */

/** The namespace a stack writes into its functions unless told otherwise. */
export const DEFAULT_METRICS_NAMESPACE = 'WebhookReceiver';

/** The dimension Powertools adds to every metric: the stack's name, so stacks do not mix. */
export const SERVICE_DIMENSION = 'service';

/** The dimension of `WebhooksRejected`: the answer's stable error code (bounded: one catalogue). */
export const ERROR_CODE_DIMENSION = 'errorCode';

/** Every metric, by what it counts. All are counts but the latency. */
export const METRIC = {
  /** Capture: a new webhook, durably stored (answered 202). */
  received: 'WebhooksReceived',
  /** Capture: a copy of a stored webhook (answered 200 duplicate). */
  duplicate: 'WebhooksDuplicate',
  /** Capture: refused, with dimension `errorCode` (every non-2xx answer). */
  rejected: 'WebhooksRejected',
  /** Processing: a webhook reached `completed` (ignored ones included). */
  completed: 'WebhooksCompleted',
  /** Processing: of those, the ones no processor handles (outcome `ignored`). */
  ignored: 'WebhooksIgnored',
  /** Processing: an attempt failed and its retry is on its way. */
  failed: 'AttemptsFailed',
  /** Processing: a webhook reached `dead` (its retries spent, or a permanent failure). */
  dead: 'WebhooksDead',
  /** Processing: milliseconds from capture (`receivedAt`) to `completed`. */
  processingLatency: 'ProcessingLatency',
  /** Sweeper: webhooks it found stuck and re-enqueued in one run (0 when none). */
  sweeperFound: 'SweeperFound',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
