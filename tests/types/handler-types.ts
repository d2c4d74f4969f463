/*
 * Type-level checks of the handler API, compiled by `npm run typecheck` (tsc over tests/): each
 * `@ts-expect-error` fails the compile if the line under it stops being an error, so a typing
 * that regresses to `any` or to a looser event fails the build. Nothing here runs.
 */
import { webhookHandlers } from '../../services/processing/webhook-handlers.js';

webhookHandlers()
  .on('stripe', 'payment_intent.succeeded', async (event) => {
    // Narrowed by type: a PaymentIntent, whose amount is a number, without a cast.
    const amount: number = event.data.object.amount;
    const type: 'payment_intent.succeeded' = event.type;
    // @ts-expect-error a payment intent has no `livemode_amount`
    void event.data.object.livemode_amount;
    // @ts-expect-error `amount` is a number, not a string
    const wrong: string = event.data.object.amount;
    void [amount, type, wrong];
  })
  .on('stripe', 'payment_intent.*', async (event) => {
    // Every payment_intent.* event carries a PaymentIntent.
    const currency: string = event.data.object.currency;
    // @ts-expect-error a charge's field: not on a payment intent
    void event.data.object.balance_transaction;
    void currency;
  })
  .on('stripe', 'charge.refunded', async (event) => {
    const refunded: boolean = event.data.object.refunded;
    void refunded;
  })
  .on('github', 'issues.opened', async (event) => {
    const title: string = event.issue.title;
    const action: 'opened' = event.action;
    void [title, action];
  })
  .on('github', 'push', async (event) => {
    const ref: string = event.ref;
    // @ts-expect-error a push has no issue
    void event.issue;
    void ref;
  })
  .on('bigcommerce', 'store/order/*', async (event) => {
    const scope: `store/order/${string}` = event.scope;
    const id: number | string = event.data.id;
    void [scope, id];
  })
  .on('standard-webhooks', 'invoice.paid', async (event) => {
    const type: 'invoice.paid' = event.type;
    void type;
  })
  .fallback('shopify', async (event, context) => {
    const updatedAt: string | undefined = event.updated_at;
    const left: number = context.timeLeftMs();
    // @ts-expect-error handlers never see the table, only their context's helpers
    void context.ledger;
    void [updatedAt, left];
  });
