import { randomUUID } from 'node:crypto';
import type { StoredBody, Webhook } from '../../services/webhooks/webhook.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';

/** A stored-webhook record as capture would write it, with a fresh event id. */
export function webhookRecord(overrides: Partial<Webhook> = {}): Webhook {
  const eventId = overrides.eventId ?? `evt_${randomUUID().replaceAll('-', '')}`;
  const now = new Date().toISOString();
  return {
    id: deriveWebhookId(overrides.provider ?? 'stripe', eventId),
    provider: 'stripe',
    eventType: 'payment_intent.succeeded',
    eventId,
    occurredAt: now,
    receivedAt: now,
    body: inlineBody('{}'),
    headers: {},
    ...overrides,
  };
}

/** An inline body of these bytes (a string as its UTF-8 bytes), as capture stores a small one. */
export function inlineBody(payload: string | Uint8Array): StoredBody {
  // A plain Uint8Array, as DynamoDB's Binary reads back.
  const bytes = new Uint8Array(
    typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
  );
  return { location: 'inline', size: bytes.byteLength, sha256: sha256(bytes), bytes };
}
