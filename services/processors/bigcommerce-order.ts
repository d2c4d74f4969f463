import { PermanentError } from '../shared/errors.js';
import type { Processor } from './processor.js';

interface OrderEvent {
  store_id?: unknown;
  producer?: unknown;
  data?: {
    type?: unknown;
    id?: unknown;
    status?: { previous_status_id?: unknown; new_status_id?: unknown };
  };
}

/**
 * Example processor: keeps, per BigCommerce order, the last order event and status seen.
 * BigCommerce payloads carry ids only; a real processor would fetch the order here, and
 * must still not let an older event overwrite what a newer one wrote.
 */
export const bigcommerceOrderProcessor: Processor = {
  handles: (webhook) =>
    webhook.provider === 'bigcommerce' && webhook.eventType.startsWith('store/order/'),

  async process(webhook, { projections }) {
    const event = JSON.parse(webhook.payload.toString('utf8')) as OrderEvent;
    const orderId = event.data?.id;
    if (typeof orderId !== 'number' && typeof orderId !== 'string') {
      throw new PermanentError('A store/order event must carry data.id, the order id.', {
        context: { webhookId: webhook.id },
      });
    }
    const storeId =
      typeof event.store_id === 'string' || typeof event.store_id === 'number'
        ? event.store_id
        : 'unknown';
    const resource = `bigcommerce#order#${storeId}/${orderId}`;
    const state: Record<string, unknown> = { lastScope: webhook.eventType };
    if (event.data?.status) state.statusId = event.data.status.new_status_id;
    const outcome = await projections.applyProjection(resource, {
      at: webhook.occurredAt,
      id: webhook.eventId,
      type: webhook.eventType,
      state,
    });
    return { outcome, resource };
  },
};
