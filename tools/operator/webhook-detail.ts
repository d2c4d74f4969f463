import { utf8TextOf } from '../../services/providers/raw-body.js';
import type { AttemptRecord, WebhookState } from '../../services/webhooks/webhook.js';
import { type PayloadStore, readWebhookBody } from '../../services/webhooks/webhook-body.js';
import type { WebhookLedger } from '../../services/webhooks/webhook-ledger.js';
import { type StatusView, toStatusView } from './status-view.js';
import { type ScannableTable, scanWebhooks } from './webhook-scan.js';

/** What `webhooks show` prints and the console's detail page shows. */
export interface WebhookDetail {
  readonly status: StatusView;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Where the body is kept, its size in bytes and its SHA-256 (hex). */
  readonly body: { readonly size: number; readonly sha256: string; readonly location: string };
  /** The stored body as text, when it is UTF-8; else absent and `payloadBase64` holds it. */
  readonly rawPayload?: string;
  /** The exact stored bytes, base64, when they are not UTF-8 text. */
  readonly payloadBase64?: string;
  /** The body parsed as JSON, or the raw text when it is not JSON (absent when not text). */
  readonly payload?: unknown;
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
  payloads: Pick<PayloadStore, 'get'> | undefined,
  id: string,
): Promise<WebhookDetail> {
  const [state, webhook] = await Promise.all([ledger.getState(id), ledger.getWebhook(id)]);
  if (!state || !webhook) throw new WebhookNotFoundError(`No webhook ${id}.`);
  // The one way a payload is read, inline or claim-checked alike.
  const bytes = await readWebhookBody(webhook, payloads);
  const text = utf8TextOf(bytes);
  let payload: unknown = text;
  if (text !== undefined) {
    try {
      payload = JSON.parse(text);
    } catch {
      // Not JSON (a provider may send a form body): shown as it came.
    }
  }
  return {
    status: toStatusView(state),
    eventId: webhook.eventId,
    occurredAt: webhook.occurredAt,
    headers: webhook.headers,
    body: { size: webhook.body.size, sha256: webhook.body.sha256, location: webhook.body.location },
    ...(text === undefined
      ? { payloadBase64: bytes.toString('base64') }
      : { rawPayload: text, payload }),
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
