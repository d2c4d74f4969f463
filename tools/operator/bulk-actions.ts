import { type FindDependencies, findWebhooks, type SearchRead } from './find-webhooks.js';
import { pacer } from './pacer.js';
import {
  type RedriveDependencies,
  type RedriveResult,
  redriveWebhooks,
} from './redrive-webhooks.js';
import { ReplayRefusedError, replayWebhook } from './replay-webhook.js';
import { FilterError, type WebhookFilter } from './webhook-filter.js';

/** Which webhooks an action is for: ids, or every webhook matching a filter. */
export type Selection = { readonly ids: readonly string[] } | { readonly filter: WebhookFilter };

export interface BulkOptions {
  readonly dryRun?: boolean;
  readonly ratePerSecond?: number;
  /** Called after each webhook: done so far (redriven, replayed or refused) of `total`. */
  readonly onProgress?: (progress: { done: number; total: number; id: string }) => void;
}

export interface SelectionRead {
  /** The webhooks the action is for, before it runs. */
  readonly selected: string[];
  /** How the filter was read, when the selection is a filter. */
  readonly read?: SearchRead;
}

export type BulkRedriveResult = RedriveResult & SelectionRead;

export interface BulkReplayResult extends SelectionRead {
  readonly replayed: string[];
  readonly skipped: Array<{ id: string; reason: string }>;
  readonly dryRun: boolean;
}

/**
 * The webhooks a filter selects for an action, which only applies to one status: a redrive to
 * dead webhooks, a replay to completed ones. A filter naming another status is refused.
 */
export async function selectWebhooks(
  deps: FindDependencies,
  selection: Selection,
  status: 'dead' | 'completed',
): Promise<SelectionRead> {
  if ('ids' in selection) return { selected: [...new Set(selection.ids)] };
  if (selection.filter.status !== undefined && selection.filter.status !== status) {
    throw new FilterError(
      `Only ${status} webhooks can be ${status === 'dead' ? 'redriven' : 'replayed'}; the filter asks for ${selection.filter.status}.`,
    );
  }
  const found = await findWebhooks(deps, { ...selection.filter, status }, { limit: 0 });
  return { selected: found.webhooks.map((w) => w.id), read: found.read };
}

/** Redrives the selected dead webhooks (see redriveWebhooks), one by one, reporting progress. */
export async function redriveSelection(
  deps: RedriveDependencies & FindDependencies,
  selection: Selection,
  options: BulkOptions = {},
): Promise<BulkRedriveResult> {
  const chosen = await selectWebhooks(deps, selection, 'dead');
  let done = 0;
  const total = chosen.selected.length;
  if (total === 0)
    return { moved: [], requeued: [], skipped: [], dryRun: options.dryRun === true, ...chosen };
  const result = await redriveWebhooks(deps, {
    ids: chosen.selected,
    dryRun: options.dryRun === true,
    ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond } : {}),
    onProgress: (id) => options.onProgress?.({ done: ++done, total, id }),
  });
  return { ...result, ...chosen };
}

/** Replays the selected completed webhooks (see replayWebhook), one by one. */
export async function replaySelection(
  deps: Parameters<typeof replayWebhook>[0] & FindDependencies,
  selection: Selection,
  options: BulkOptions = {},
): Promise<BulkReplayResult> {
  const chosen = await selectWebhooks(deps, selection, 'completed');
  const result: BulkReplayResult = {
    replayed: [],
    skipped: [],
    dryRun: options.dryRun === true,
    ...chosen,
  };
  const total = chosen.selected.length;
  const pace = pacer(options.ratePerSecond);
  let done = 0;
  for (const id of chosen.selected) {
    if (options.dryRun) {
      const state = await deps.ledger.getState(id);
      if (state?.status === 'completed') result.replayed.push(id);
      else result.skipped.push({ id, reason: `not completed (${state?.status ?? 'missing'})` });
    } else {
      await pace();
      try {
        await replayWebhook(deps, id);
        result.replayed.push(id);
      } catch (error) {
        if (!(error instanceof ReplayRefusedError)) throw error;
        result.skipped.push({ id, reason: error.message });
      }
    }
    options.onProgress?.({ done: ++done, total, id });
  }
  return result;
}
