import type { Logger } from '../../services/shared/logger.js';
import { type SweepReport, sweepWebhooks } from '../../services/webhooks/sweep-webhooks.js';
import {
  type BulkOptions,
  type BulkRedriveResult,
  type BulkReplayResult,
  redriveSelection,
  replaySelection,
  type Selection,
} from './bulk-actions.js';
import {
  type FindDependencies,
  type FindOptions,
  type FindResult,
  findWebhooks,
} from './find-webhooks.js';
import { type Overview, readOverview } from './overview.js';
import type { RedriveDependencies, RedriveOptions, RedriveResult } from './redrive-webhooks.js';
import { redriveWebhooks } from './redrive-webhooks.js';
import { type StatusView, toStatusView } from './status-view.js';
import type { Target } from './targets.js';
import {
  findResourceWebhooks,
  readWebhookDetail,
  type WebhookDetail,
  WebhookNotFoundError,
} from './webhook-detail.js';
import type { WebhookFilter } from './webhook-filter.js';
import { readStats, type WebhookStats } from './webhook-stats.js';

/**
 * Everything an operator does to a stack, bound to one target: the CLI (`npm run webhooks`) and
 * the console call these and nothing else, so each action exists once.
 */
export interface Operator {
  readonly target: Target;
  status(id: string): Promise<StatusView>;
  show(id: string): Promise<WebhookDetail>;
  /** Other webhooks that touched the same resource. */
  resourceWebhooks(resource: string): Promise<{ webhooks: StatusView[]; truncated: boolean }>;
  find(filter: WebhookFilter, options?: FindOptions): Promise<FindResult>;
  stats(): Promise<WebhookStats>;
  overview(): Promise<Overview>;
  /** Dead webhooks by id, or every dead one (`all`), as `webhooks redrive` always did. */
  redrive(options: RedriveOptions): Promise<RedriveResult>;
  /** Dead webhooks by ids or by filter, with a dry run and progress. */
  redriveSelection(selection: Selection, options?: BulkOptions): Promise<BulkRedriveResult>;
  replaySelection(selection: Selection, options?: BulkOptions): Promise<BulkReplayResult>;
  sweep(): Promise<SweepReport>;
}

export function createOperator(target: Target, log: Logger): Operator {
  const { ledger, attention } = target.table;
  const find: FindDependencies = {
    ledger,
    attention,
    table: target.scannable,
    ...(target.scanBound ? { scanBound: target.scanBound } : {}),
  };
  const redrive: RedriveDependencies = {
    ledger,
    attention,
    sqs: target.sqs,
    failedQueue: target.failedQueue,
    failedQueueUrl: target.outputs.FailedQueueUrl!,
    deadLetterQueueUrl: target.outputs.DeadLetterQueueUrl!,
    log,
  };
  return {
    target,
    async status(id) {
      const state = await ledger.getState(id);
      if (!state) throw new WebhookNotFoundError(`No webhook ${id}.`);
      return toStatusView(state);
    },
    show: (id) => readWebhookDetail(ledger, target.payloads, id),
    resourceWebhooks: (resource) =>
      findResourceWebhooks(
        target.scannable,
        resource,
        target.scanBound
          ? {
              since: new Date(Date.now() - target.scanBound.defaultWindowMs).toISOString(),
              maxItemsRead: target.scanBound.maxItemsRead,
            }
          : {},
      ),
    find: (filter, options) => findWebhooks(find, filter, options),
    stats: () => readStats(attention),
    overview: () =>
      readOverview({
        attention,
        table: target.scannable,
        sqs: target.sqs,
        failedQueueUrl: target.outputs.FailedQueueUrl!,
        deadLetterQueueUrl: target.outputs.DeadLetterQueueUrl!,
        ...(target.scanBound ? { maxItemsRead: target.scanBound.maxItemsRead } : {}),
      }),
    redrive: (options) => redriveWebhooks(redrive, options),
    redriveSelection: (selection, options) =>
      redriveSelection({ ...find, ...redrive }, selection, options),
    replaySelection: (selection, options) =>
      replaySelection(
        { ...find, ledger, failedQueue: target.failedQueue, log },
        selection,
        options,
      ),
    sweep: () =>
      sweepWebhooks({
        ledger,
        attention,
        failedQueue: target.failedQueue,
        thresholds: target.profile.sweep,
        // Only errors: each requeue is in the report the caller prints.
        log: log.child({ component: 'sweeper' }, { level: 'error' }),
      }),
  };
}
