import { describe, expect, it } from 'vitest';
import { webhookHandlers } from '../../../services/processing/webhook-handlers.js';

/* Routing: which registration takes a provider's event type. */

const named = (name: string) => Object.assign(async () => {}, { handlerName: name });
const nameOf = (route: ReturnType<ReturnType<typeof webhookHandlers>['route']>) =>
  (route?.handler as unknown as { handlerName?: string } | undefined)?.handlerName;

function registry() {
  return webhookHandlers()
    .on('stripe', 'payment_intent.succeeded', named('exact'))
    .on('stripe', 'payment_intent.*', named('intents'))
    .on('stripe', 'payment_intent.payment_*', named('payments'))
    .fallback('stripe', named('stripe fallback'))
    .on('bigcommerce', 'store/order/*', named('orders'));
}

describe('routing', () => {
  it('an exact type beats every wildcard', () => {
    const route = registry().route('stripe', 'payment_intent.succeeded');
    expect(nameOf(route)).toBe('exact');
    expect(route?.pattern).toBe('payment_intent.succeeded');
  });

  it('a wildcard takes the types under its prefix; the longest prefix wins', () => {
    const handlers = registry();
    expect(nameOf(handlers.route('stripe', 'payment_intent.canceled'))).toBe('intents');
    expect(nameOf(handlers.route('stripe', 'payment_intent.payment_failed'))).toBe('payments');
    expect(handlers.route('stripe', 'payment_intent.payment_failed')?.pattern).toBe(
      'payment_intent.payment_*',
    );
  });

  it('the order of registration does not change the precedence', () => {
    const handlers = webhookHandlers()
      .fallback('stripe', named('fallback'))
      .on('stripe', 'payment_intent.payment_*', named('payments'))
      .on('stripe', 'payment_intent.*', named('intents'));
    expect(nameOf(handlers.route('stripe', 'payment_intent.payment_failed'))).toBe('payments');
    expect(nameOf(handlers.route('stripe', 'payment_intent.created'))).toBe('intents');
  });

  it("the provider's fallback takes what nothing else does, and only for that provider", () => {
    const handlers = registry();
    const route = handlers.route('stripe', 'charge.refunded');
    expect(nameOf(route)).toBe('stripe fallback');
    expect(route?.pattern).toBe('fallback');
    expect(handlers.route('bigcommerce', 'store/product/updated')).toBeUndefined();
    expect(handlers.route('github', 'push')).toBeUndefined();
  });

  it('a prefix matches whole characters, not a look-alike type', () => {
    const handlers = webhookHandlers().on('stripe', 'payment_intent.*', named('intents'));
    expect(handlers.route('stripe', 'payment_intentX.created')).toBeUndefined();
    expect(handlers.route('stripe', 'payment_intent')).toBeUndefined();
    expect(nameOf(registry().route('bigcommerce', 'store/order/statusUpdated'))).toBe('orders');
  });

  it('refuses a pattern registered twice and a wildcard anywhere but at the end', () => {
    expect(() => registry().on('stripe', 'payment_intent.*', named('again'))).toThrow(/twice/);
    expect(() => registry().on('stripe', 'payment_intent.succeeded', named('again'))).toThrow(
      /twice/,
    );
    expect(() => registry().fallback('stripe', named('again'))).toThrow(/twice/);
    expect(() => webhookHandlers().on('stripe', '*.succeeded', named('x'))).toThrow(/prefix/);
    expect(() => webhookHandlers().on('stripe', '*', named('x'))).toThrow(/fallback/);
    expect(() => webhookHandlers().on('stripe', '', named('x'))).toThrow(/empty/);
  });
});
