import { webhookHandlers } from '../processing/handler-api.js';
import { orderHandler } from './bigcommerce-order.js';
import { paymentIntentHandler } from './stripe-payment-intent.js';

/**
 * The handlers this receiver runs, by provider and event type: the one list to edit
 * (docs/processing.md). An event no handler takes completes with outcome `ignored`.
 */
export const handlers = webhookHandlers()
  .on('stripe', 'payment_intent.*', paymentIntentHandler)
  .on('bigcommerce', 'store/order/*', orderHandler);
