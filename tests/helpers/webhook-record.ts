import { randomUUID } from 'node:crypto';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';

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
    payload: '{}',
    headers: {},
    ...overrides,
  };
}
