import type { AttentionIndex, AttentionStatus } from '../../services/webhooks/attention-index.js';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import { deriveWebhookId, isWebhookId } from '../../services/webhooks/webhook-id.js';
import type { WebhookLedger } from '../../services/webhooks/webhook-ledger.js';
import { type StatusView, toStatusView } from './status-view.js';
import { matchesFields, type WebhookFilter } from './webhook-filter.js';
import { type ScannableTable, type ScannedWebhook, scanWebhooks } from './webhook-scan.js';

export interface FindDependencies {
  readonly ledger: Pick<WebhookLedger, 'getState'>;
  readonly attention: Pick<AttentionIndex, 'listAttention'>;
  readonly table: ScannableTable;
  /**
   * On a deployed stack a Scan costs the whole table: searches that need one read at most
   * `maxItemsRead` items, and only webhooks received in the filter's window, by default the last
   * `defaultWindowMs`. Unset on the embedded stack, where a scan is cheap.
   */
  readonly scanBound?: { readonly defaultWindowMs: number; readonly maxItemsRead: number };
  readonly now?: () => Date;
}

export interface FindOptions {
  /** Page size (default 50); 0 for every match. */
  readonly limit?: number;
  readonly offset?: number;
}

/** How a search read the table: for the operator to see what it cost and what it missed. */
export interface SearchRead {
  readonly source: 'lookup' | 'index' | 'scan';
  readonly description: string;
  readonly itemsRead?: number;
  /** A bounded scan stopped before the end of the table: there may be more matches. */
  readonly truncated?: boolean;
}

export interface FindResult {
  readonly webhooks: StatusView[];
  /** Matches in all (the page is `webhooks`). */
  readonly total: number;
  readonly offset: number;
  readonly read: SearchRead;
}

/**
 * The operator's search, behind `webhooks list`, the console's list page and bulk actions:
 * - text that is a webhook id, or a provider event id (the id is derived from it, as capture
 *   does), is a direct read of those items;
 * - a status that needs attention, with no text, is a query of the attention index;
 * - anything else (completed webhooks, text in a payload, a resource) is a scan of the
 *   webhooks received in the filter's window.
 * Newest first by receipt.
 */
export async function findWebhooks(
  deps: FindDependencies,
  filter: WebhookFilter,
  options: FindOptions = {},
): Promise<FindResult> {
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  const page = (matches: WebhookState[], read: SearchRead): FindResult => {
    const sorted = matches.sort(
      (a, b) => b.receivedAt.localeCompare(a.receivedAt) || a.id.localeCompare(b.id),
    );
    return {
      webhooks: (limit === 0 ? sorted.slice(offset) : sorted.slice(offset, offset + limit)).map(
        toStatusView,
      ),
      total: sorted.length,
      offset,
      read,
    };
  };

  if (filter.text) {
    const found = await lookUp(deps, filter.text);
    if (found.length > 0) {
      return page(
        found.filter((s) => matchesFields(s, filter)),
        {
          source: 'lookup',
          description: `Read by id: ${isWebhookId(filter.text) ? 'the webhook id' : 'the webhook id derived from the provider event id'}.`,
        },
      );
    }
  }

  if (!filter.text && filter.status && filter.status !== 'completed') {
    const states = await deps.attention.listAttention(filter.status as AttentionStatus, {
      ...(filter.provider ? { provider: filter.provider } : {}),
    });
    return page(
      states.filter((s) => matchesFields(s, filter)),
      {
        source: 'index',
        description: `Queried the attention index for ${filter.status} webhooks.`,
        itemsRead: states.length,
      },
    );
  }

  const now = (deps.now ?? (() => new Date()))();
  const since =
    filter.since ??
    (deps.scanBound
      ? new Date(now.getTime() - deps.scanBound.defaultWindowMs).toISOString()
      : undefined);
  const scanned = await scanWebhooks(deps.table, {
    ...(since ? { since } : {}),
    ...(filter.until ? { until: filter.until } : {}),
    withWebhooks: filter.text !== undefined,
    ...(deps.scanBound ? { maxItemsRead: deps.scanBound.maxItemsRead } : {}),
  });
  const matches = scanned.webhooks
    .filter((w) => matchesFields(w.state, filter))
    .filter((w) => filter.text === undefined || containsText(w, filter.text))
    .map((w) => w.state);
  const window = since
    ? `received since ${since}${filter.until ? ` and before ${filter.until}` : ''}`
    : 'of any age';
  return page(matches, {
    source: 'scan',
    description: `Scanned table ${deps.table.tableName} for webhooks ${window}: a Scan reads every item (${scanned.itemsRead} read${deps.scanBound ? `, at most ${deps.scanBound.maxItemsRead}` : ''})${scanned.truncated ? ', and stopped before the end: narrow the time window to see everything' : ''}.`,
    itemsRead: scanned.itemsRead,
    truncated: scanned.truncated,
  });
}

/** The webhooks `text` names exactly: its id, or the id capture derives from a provider event id. */
async function lookUp(deps: FindDependencies, text: string): Promise<WebhookState[]> {
  // The registry loads every provider's library: only when a search needs their names, so
  // the CLI's other commands start without them.
  const ids = isWebhookId(text)
    ? [text]
    : (await import('../../services/providers/registry.js')).PROVIDERS.map((provider) =>
        deriveWebhookId(provider.name, text),
      );
  const states = await Promise.all(ids.map((id) => deps.ledger.getState(id)));
  return states.filter((s): s is WebhookState => s !== undefined);
}

/** Text in the event id, the resource or the stored payload (inline payloads only). */
function containsText({ state, webhook }: ScannedWebhook, text: string): boolean {
  const needle = text.toLowerCase();
  const inline =
    webhook?.body.location === 'inline'
      ? Buffer.from(webhook.body.bytes).toString('utf8')
      : undefined;
  return [state.id, state.resource, webhook?.eventId, inline].some(
    (value) => typeof value === 'string' && value.toLowerCase().includes(needle),
  );
}
