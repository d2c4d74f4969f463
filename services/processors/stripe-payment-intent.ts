import { PermanentError } from '../shared/errors.js';
import type { Processor } from './processor.js';

interface PaymentIntentEvent {
  data?: {
    object?: {
      id?: unknown;
      object?: unknown;
      status?: unknown;
      amount?: unknown;
      currency?: unknown;
    };
  };
}

/**
 * Example processor: keeps the latest known state of each Stripe payment intent. Stripe does
 * not guarantee delivery order, so the projection only moves forward in provider time.
 */
export const stripePaymentIntentProcessor: Processor = {
  handles: (webhook) =>
    webhook.provider === 'stripe' && webhook.eventType.startsWith('payment_intent.'),

  async process(webhook, { projections }) {
    const intent = (JSON.parse(webhook.payload.toString('utf8')) as PaymentIntentEvent).data
      ?.object;
    if (typeof intent?.id !== 'string' || intent.object !== 'payment_intent') {
      throw new PermanentError(
        'A payment_intent event must carry data.object, a payment_intent with an id.',
        {
          context: { webhookId: webhook.id },
        },
      );
    }
    const resource = `stripe#payment_intent#${intent.id}`;
    const outcome = await projections.applyProjection(resource, {
      at: webhook.occurredAt,
      id: webhook.eventId,
      type: webhook.eventType,
      state: { status: intent.status, amount: intent.amount, currency: intent.currency },
    });
    return { outcome, resource };
  },
};
