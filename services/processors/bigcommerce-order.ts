import {
  type BigCommerceEvent,
  PermanentError,
  type WebhookHandler,
} from '../processing/handler-api.js';

/**
 * Example handler: keeps, per BigCommerce order, the last order event and status seen.
 * BigCommerce payloads carry ids only; a real handler would fetch the order here (inside
 * `context.once` if fetching has an effect), and must still not let an older event overwrite
 * what a newer one wrote: `latestWins` sees to that.
 */
export const orderHandler: WebhookHandler<BigCommerceEvent<`store/order/${string}`>> = async (
  event,
  context,
) => {
  const orderId = event.data?.id;
  if (typeof orderId !== 'number' && typeof orderId !== 'string') {
    throw new PermanentError('A store/order event must carry data.id, the order id.');
  }
  const storeId =
    typeof event.store_id === 'string' || typeof event.store_id === 'number'
      ? event.store_id
      : 'unknown';
  const state: Record<string, unknown> = { lastScope: context.eventType };
  if (event.data.status) state.statusId = event.data.status.new_status_id;
  await context.latestWins(`bigcommerce#order#${storeId}/${orderId}`, state);
};
