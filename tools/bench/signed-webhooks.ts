import { PROVIDER_REGISTRY } from '../../services/providers/registry.js';
import { createStripeProvider } from '../../services/providers/stripe.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { deriveWebhookId } from '../../services/webhooks/webhook-id.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';
import { stripeEvent } from '../signing-proxy/events.js';

/** The route every benchmark request goes to: Stripe, the provider most senders look like. */
export const BENCH_PROVIDER = 'stripe';
export const BENCH_PATH = `/api/webhooks/${BENCH_PROVIDER}`;

/** Signed with the local default secret: the bench stack is started without secrets of its own. */
const stripe = createStripeProvider({ secrets: [PROVIDER_REGISTRY.stripe.secret.localDefault] });

export interface SignedRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A distinct `payment_intent.succeeded` event, signed now, as Stripe would send it. */
export function signedRequest(extraHeaders: Record<string, string> = {}): SignedRequest {
  const body = JSON.stringify(stripeEvent());
  return {
    body,
    headers: { ...stripe.sign({ rawBody: body, timestamp: new Date() }), ...extraHeaders },
  };
}

/**
 * The webhook exactly as `captureWebhook` builds it from a verified request (same id, fields
 * and kept headers), so the storage ceiling writes the same two items capture writes.
 */
export function capturedWebhook(request: SignedRequest, receivedAt = new Date()): Webhook {
  const event = stripe.verify({ rawBody: request.body, headers: request.headers, receivedAt });
  const headers: Record<string, string> = {};
  for (const name of stripe.keptHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value.slice(0, 1024);
  }
  return {
    id: deriveWebhookId(stripe.name, event.eventId),
    provider: stripe.name,
    eventType: event.eventType,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    receivedAt: receivedAt.toISOString(),
    body: {
      location: 'inline',
      size: Buffer.byteLength(request.body),
      sha256: sha256(request.body),
      bytes: Buffer.from(request.body, 'utf8'),
    },
    headers,
  };
}

/** Fills `count` items up front, so generating them never competes with the measurement. */
export function pool<T>(count: number, make: () => T): T[] {
  return Array.from({ length: count }, make);
}
