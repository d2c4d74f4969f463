import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Webhook } from '../../services/webhooks/webhook.js';
import type { WebhookTable } from '../../services/webhooks/webhook-table.js';
import { replaySelection, selectWebhooks } from '../../tools/operator/bulk-actions.js';
import { type FindDependencies, findWebhooks } from '../../tools/operator/find-webhooks.js';
import { FilterError } from '../../tools/operator/webhook-filter.js';
import { FakeFailedQueue } from '../helpers/fake-failed-queue.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { inlineBody, webhookRecord } from '../helpers/webhook-record.js';

/* The operator's search on DynamoDB Local: which read each query takes, and what it finds. */

let storage: LocalStorage;
let table: WebhookTable;
let deps: FindDependencies;
const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const web: Record<string, Webhook> = {};

async function completed(webhook: Webhook, resource?: string) {
  await table.ledger.create(webhook);
  await table.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await table.ledger.finish(webhook.id, 1, 'completed', {
    outcome: 'applied',
    ...(resource ? { resource } : {}),
  });
}

async function dead(webhook: Webhook) {
  await table.ledger.create(webhook);
  await table.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 60, trigger: 'stream' });
  await table.ledger.finish(webhook.id, 1, 'dead', { error: { code: 'boom', message: 'no' } });
}

beforeAll(async () => {
  storage = await startLocalStorage();
  table = storage.store();
  deps = {
    ledger: table.ledger,
    attention: table.attention,
    table: { client: storage.documentClient, tableName: storage.tableName },
  };
  web.charge = webhookRecord({
    eventType: 'charge.succeeded',
    body: inlineBody('{"note":"blue whale"}'),
  });
  web.refund = webhookRecord({ eventType: 'charge.refunded' });
  web.old = webhookRecord({ receivedAt: new Date(Date.now() - 2 * 3_600_000).toISOString() });
  web.deadStripe = webhookRecord();
  web.deadOrder = webhookRecord({ provider: 'bigcommerce', eventType: 'store/order/created' });
  await completed(web.charge, 'stripe:payment_intent:pi_42');
  await completed(web.refund);
  await completed(web.old);
  await dead(web.deadStripe);
  await dead(web.deadOrder);
});
afterAll(async () => {
  await storage?.stop();
});

const ids = (result: { webhooks: Array<{ id: string }> }) => result.webhooks.map((w) => w.id);

describe('finding webhooks', () => {
  it('reads a webhook id or a provider event id directly', async () => {
    const byEvent = await findWebhooks(deps, { text: web.deadOrder!.eventId });
    expect(ids(byEvent)).toEqual([web.deadOrder!.id]);
    expect(byEvent.read).toMatchObject({ source: 'lookup' });
    expect(byEvent.read.description).toContain('provider event id');
    expect(ids(await findWebhooks(deps, { text: web.charge!.id }))).toEqual([web.charge!.id]);
  });

  it('lists a status that needs attention from the index, narrowed by provider', async () => {
    const found = await findWebhooks(deps, { status: 'dead', provider: 'bigcommerce' });
    expect(ids(found)).toEqual([web.deadOrder!.id]);
    expect(found.read.source).toBe('index');
  });

  it('scans for completed webhooks, by type and window, a page at a time', async () => {
    const all = await findWebhooks(deps, { status: 'completed' });
    expect(all.read.source).toBe('scan');
    expect(ids(all).sort()).toEqual([web.charge!.id, web.refund!.id, web.old!.id].sort());
    expect(
      ids(await findWebhooks(deps, { status: 'completed', eventType: 'charge.refunded' })),
    ).toEqual([web.refund!.id]);
    expect(ids(await findWebhooks(deps, { status: 'completed', since: hourAgo })).sort()).toEqual(
      [web.charge!.id, web.refund!.id].sort(),
    );
    const second = await findWebhooks(deps, { status: 'completed' }, { limit: 1, offset: 1 });
    expect(second).toMatchObject({ total: 3, offset: 1 });
    expect(ids(second)).toEqual([ids(all)[1]]);
  });

  it('finds text in a payload and a resource', async () => {
    expect(ids(await findWebhooks(deps, { text: 'blue whale' }))).toEqual([web.charge!.id]);
    expect(ids(await findWebhooks(deps, { text: 'pi_42' }))).toEqual([web.charge!.id]);
    expect(ids(await findWebhooks(deps, { text: 'nothing like it' }))).toEqual([]);
  });

  it('on a deployed stack, scans only a window and a bounded number of items, and says so', async () => {
    const bounded = { ...deps, scanBound: { defaultWindowMs: 3_600_000, maxItemsRead: 2 } };
    const found = await findWebhooks(bounded, { status: 'completed' });
    expect(found.read).toMatchObject({ source: 'scan', truncated: true });
    expect(found.read.description).toMatch(/received since .*at most 2.*narrow the time window/);
    const windowed = await findWebhooks(
      { ...deps, scanBound: { defaultWindowMs: 3_600_000, maxItemsRead: 10_000 } },
      { status: 'completed' },
    );
    expect(ids(windowed)).not.toContain(web.old!.id);
  });
});

describe('selecting webhooks for an action', () => {
  it('takes only the status the action applies to', async () => {
    await expect(
      selectWebhooks(deps, { filter: { status: 'completed' } }, 'dead'),
    ).rejects.toBeInstanceOf(FilterError);
    const chosen = await selectWebhooks(deps, { filter: { provider: 'stripe' } }, 'dead');
    expect(chosen.selected).toEqual([web.deadStripe!.id]);
  });

  it('a replay dry run lists the completed webhooks of a filter and changes nothing', async () => {
    const failedQueue = new FakeFailedQueue();
    const before = await table.ledger.getState(web.charge!.id);
    const result = await replaySelection(
      { ...deps, ledger: table.ledger, failedQueue, log: pino({ level: 'silent' }) },
      { filter: { eventType: 'charge.succeeded' } },
      { dryRun: true },
    );
    expect(result).toMatchObject({ dryRun: true, replayed: [web.charge!.id], skipped: [] });
    expect(await table.ledger.getState(web.charge!.id)).toEqual(before);
    expect(failedQueue.sent).toEqual([]);
  });
});
