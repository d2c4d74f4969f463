import { bigcommerceOrderProcessor } from './bigcommerce-order.js';
import type { Processor } from './processor.js';
import { stripePaymentIntentProcessor } from './stripe-payment-intent.js';

export const processors: readonly Processor[] = [
  stripePaymentIntentProcessor,
  bigcommerceOrderProcessor,
];
