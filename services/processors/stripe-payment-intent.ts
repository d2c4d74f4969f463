import {
  PermanentError,
  type StripeEvent,
  type WebhookHandler,
} from '../processing/handler-api.js';

/**
 * Example handler: keeps the latest known state of each Stripe payment intent. Stripe does not
 * guarantee delivery order, so `latestWins` moves the projection only forward in provider time.
 * A succeeded payment sends its receipt once per webhook, however often the webhook is processed
 * (a retry, a replay): `once`. The receipt here is a log line; a real one would call the mailer
 * with the idempotency key, which closes the window `once` cannot (a crash after the send and
 * before its success is stored).
 */
export const paymentIntentHandler: WebhookHandler<StripeEvent<`payment_intent.${string}`>> = async (
  event,
  context,
) => {
  const intent = event.data.object;
  // Stripe's types say it is there; the stored bytes are whatever was signed, so check.
  if (typeof intent?.id !== 'string' || intent.object !== 'payment_intent') {
    throw new PermanentError(
      'A payment_intent event must carry data.object, a payment_intent with an id.',
    );
  }
  await context.latestWins(`stripe#payment_intent#${intent.id}`, {
    status: intent.status,
    amount: intent.amount,
    currency: intent.currency,
  });
  if (event.type === 'payment_intent.succeeded') {
    await context.once('receipt', async (idempotencyKey) => {
      context.log.info(
        { event: 'receipt.sent', idempotencyKey, amount: intent.amount, currency: intent.currency },
        'receipt sent (example side effect)',
      );
      return { sentAt: new Date().toISOString() };
    });
  }
};
