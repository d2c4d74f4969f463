import type { StoredBody, Webhook } from './webhook.js';
import { sha256 } from './webhook-ledger.js';

/**
 * The WEBHOOK item's attributes (table keys and TTL aside) and back. The body is flat in the
 * item: `payload` (Binary, the bytes) when inline, `payloadKey` (the object key) when claim
 * checked, and `payloadSize` and `payloadSha256` either way, so an operator sees what was stored
 * without reading it. Items written before bodies were bytes hold `payload` as a string (its UTF-8
 * bytes); they read as inline bodies.
 */
interface WebhookItem extends Omit<Webhook, 'body'> {
  readonly payload?: Uint8Array | string;
  readonly payloadKey?: string;
  readonly payloadSize?: number;
  readonly payloadSha256?: string;
}

export function toWebhookItem(webhook: Webhook): WebhookItem {
  const { body, ...rest } = webhook;
  return {
    ...rest,
    ...(body.location === 'inline' ? { payload: body.bytes } : { payloadKey: body.key }),
    payloadSize: body.size,
    payloadSha256: body.sha256,
  };
}

export function fromWebhookItem(item: Record<string, unknown>): Webhook {
  const { payload, payloadKey, payloadSize, payloadSha256, ...rest } =
    item as unknown as WebhookItem;
  let body: StoredBody;
  if (typeof payloadKey === 'string') {
    body = {
      location: 's3',
      key: payloadKey,
      size: Number(payloadSize),
      sha256: String(payloadSha256),
    };
  } else {
    const bytes =
      typeof payload === 'string' ? Buffer.from(payload, 'utf8') : (payload ?? new Uint8Array());
    body = {
      location: 'inline',
      bytes,
      size: bytes.byteLength,
      sha256: typeof payloadSha256 === 'string' ? payloadSha256 : sha256(bytes),
    };
  }
  return { ...(rest as Omit<Webhook, 'body'>), body };
}
