import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookHandlers } from '../../services/processing/webhook-handlers.js';
import { handlers } from '../../services/processors/handlers.js';
import { PermanentError } from '../../services/shared/errors.js';
import { handlerPipeline } from '../../tools/handler-testing/handler-pipeline.js';
import { bigcommerceEvent, stripeEvent } from '../../tools/signing-proxy/events.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';

/*
 * Handlers on signed fixtures through capture and the processing attempt, on DynamoDB Local
 * (tools/handler-testing/handler-pipeline.ts): the example handlers, and the way
 * docs/processing.md tests one.
 */

let storage: LocalStorage;
beforeAll(async () => {
  storage = await startLocalStorage();
});
afterAll(async () => {
  await storage?.stop();
});

const pipeline = (chosen = handlers) =>
  handlerPipeline({
    handlers: chosen,
    table: { client: storage.documentClient, tableName: storage.tableName },
  });

describe('the example handlers on signed fixtures', () => {
  it('a payment intent is projected; an older event about it afterwards is stale', async () => {
    const run = pipeline();
    const now = Math.floor(Date.now() / 1000);
    const newer = stripeEvent({
      created: now,
      data: { object: { id: 'pi_pipeline_1', amount: 4200 } },
    });
    const delivered = await run.deliver('stripe', newer);
    expect(delivered.state).toMatchObject({
      status: 'completed',
      outcome: 'applied',
      resource: 'stripe#payment_intent#pi_pipeline_1',
    });
    expect((await run.projection('stripe#payment_intent#pi_pipeline_1'))?.state).toMatchObject({
      amount: 4200,
    });

    const older = stripeEvent({
      created: now - 60,
      data: { object: { id: 'pi_pipeline_1', amount: 100 } },
    });
    expect((await run.deliver('stripe', older)).state).toMatchObject({
      status: 'completed',
      outcome: 'stale',
    });
    expect((await run.projection('stripe#payment_intent#pi_pipeline_1'))?.state).toMatchObject({
      amount: 4200,
    });
  });

  it('a copy of a delivered event is a duplicate and is not processed again', async () => {
    const run = pipeline();
    // Stripe's event id is in the body, so a second send of it is the same event.
    const event = stripeEvent();
    const first = await run.deliver('stripe', event);
    const again = await run.deliver('stripe', event);
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(again.state.attempts).toBe(1);
  });

  it('an event no handler takes is completed as ignored', async () => {
    const { state } = await pipeline().deliver('stripe', stripeEvent({ type: 'invoice.paid' }));
    expect(state).toMatchObject({ status: 'completed', outcome: 'ignored' });
  });
});

describe('a handler of your own', () => {
  it('a transient failure is retried; a side effect that succeeded is not run again', async () => {
    let calls = 0;
    let emails = 0;
    const mine = webhookHandlers().on('stripe', 'payment_intent.succeeded', async (event, ctx) => {
      await ctx.once('email', async () => {
        emails++;
      });
      calls++;
      if (calls === 1) throw new Error('CRM timed out');
      await ctx.latestWins(`crm#${event.data.object.id}`, { amount: event.data.object.amount });
    });
    const run = pipeline(mine);
    const first = await run.deliver('stripe', stripeEvent());
    expect(first.state).toMatchObject({
      status: 'failed',
      lastError: { kind: 'transient', message: 'CRM timed out' },
    });
    expect(first.state.nextAttemptAt).toBeDefined();
    const second = await run.retry(first.id);
    expect(second.state).toMatchObject({ status: 'completed', attempts: 2, outcome: 'applied' });
    expect(emails).toBe(1);
  });

  it('a payload the handler refuses is dead at once', async () => {
    const strict = webhookHandlers().fallback('bigcommerce', async () => {
      throw new PermanentError('not an order we know');
    });
    const { state } = await pipeline(strict).deliver('bigcommerce', bigcommerceEvent());
    expect(state).toMatchObject({ status: 'dead', attempts: 1, lastError: { kind: 'permanent' } });
  });
});
