import type { AttemptRecord, WebhookState } from '../../services/webhooks/webhook.js';
import type { WebhookLedger } from '../../services/webhooks/webhook-ledger.js';
import { type StatusView, toStatusView } from './status-view.js';
import { type ScannableTable, scanWebhooks } from './webhook-scan.js';

/** What `webhooks show` prints and the console's detail page shows. */
export interface WebhookDetail {
  readonly status: StatusView;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The stored body, as received. */
  readonly rawPayload: string;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  readonly payload: unknown;
  /** Every attempt kept, first first. */
  readonly attempts: AttemptRecord[];
  /** The resource its processing touched, once processed. */
  readonly resource?: string;
}

export class WebhookNotFoundError extends Error {
  override readonly name = 'WebhookNotFoundError';
}

/** A webhook with its payload, kept headers and attempt log. */
export async function readWebhookDetail(
  ledger: Pick<WebhookLedger, 'getState' | 'getWebhook'>,
  id: string,
): Promise<WebhookDetail> {
  const [state, webhook] = await Promise.all([ledger.getState(id), ledger.getWebhook(id)]);
  if (!state || !webhook) throw new WebhookNotFoundError(`No webhook ${id}.`);
  let payload: unknown = webhook.payload;
  try {
    payload = JSON.parse(webhook.payload);
  } catch {
    // Not JSON (a provider may send a form body): shown as it came.
  }
  return {
    status: toStatusView(state),
    eventId: webhook.eventId,
    occurredAt: webhook.occurredAt,
    headers: webhook.headers,
    rawPayload: webhook.payload,
    payload,
    attempts: Object.values(state.attemptLog ?? {}).sort((a, b) => a.attempt - b.attempt),
    ...(state.resource ? { resource: state.resource } : {}),
  };
}

/**
 * The webhooks that touched a resource, newest first: a scan (nothing indexes resources), of
 * the webhooks received since `since` when given.
 */
export async function findResourceWebhooks(
  table: ScannableTable,
  resource: string,
  options: { since?: string; maxItemsRead?: number } = {},
): Promise<{ webhooks: StatusView[]; truncated: boolean }> {
  const scanned = await scanWebhooks(table, options);
  const states: WebhookState[] = scanned.webhooks
    .map((w) => w.state)
    .filter((s) => s.resource === resource)
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  return { webhooks: states.map(toStatusView), truncated: scanned.truncated };
}
