import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookTable } from '../../services/webhooks/webhook-table.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { describeLedgerContract } from '../helpers/webhook-ledger-contract.js';
import { inlineBody, webhookRecord } from '../helpers/webhook-record.js';

let storage: LocalStorage;
let store: WebhookTable;

beforeAll(async () => {
  storage = await startLocalStorage();
  store = storage.store();
});
afterAll(async () => {
  await storage?.stop();
});

// The same contract the in-memory ledger passes (tests/unit/webhooks), here on DynamoDB Local:
// every transition's condition expression, races decided by DynamoDB.
describeLedgerContract('DynamoDB Local', () => ({
  ledger: (now) => (now ? storage.store({ now }).ledger : store.ledger),
  listAttention: (status) => store.attention.listAttention(status),
}));

describe('the attention index and audit on DynamoDB Local', () => {
  it('count the webhooks that had conflicting copies, and list them with their count', async () => {
    const before = (await store.attention.audit()).conflicts;
    const webhook = webhookRecord();
    await store.ledger.create(webhook);
    await store.ledger.create({ ...webhook, body: inlineBody('{"changed":1}') });
    await store.ledger.create({ ...webhook, body: inlineBody('{"changed":2}') });
    const after = (await store.attention.audit()).conflicts;
    expect(after).toEqual({ webhooks: before.webhooks + 1, copies: before.copies + 2 });
    const listed = await store.attention.listAttention('received');
    expect(listed.find((s) => s.id === webhook.id)).toMatchObject({ conflicts: 2 });
  });
});

describe('the projection store on DynamoDB Local', () => {
  it('projections keep the latest event by provider time; re-applying the same event stays applied', async () => {
    const resource = `stripe#payment_intent#pi_it_${Date.now()}`;
    const t0 = '2026-01-01T00:00:00.000Z';
    const t1 = '2026-01-01T00:00:05.000Z';
    expect(
      await store.projections.applyProjection(resource, {
        at: t1,
        id: 'evt_b',
        type: 'b',
        state: { n: 2 },
      }),
    ).toBe('applied');
    expect(
      await store.projections.applyProjection(resource, {
        at: t0,
        id: 'evt_a',
        type: 'a',
        state: { n: 1 },
      }),
    ).toBe('stale');
    expect(
      await store.projections.applyProjection(resource, {
        at: t1,
        id: 'evt_b',
        type: 'b',
        state: { n: 2 },
      }),
    ).toBe('applied');
    expect(await store.projections.getProjection(resource)).toMatchObject({
      lastEventId: 'evt_b',
      state: { n: 2 },
    });
  });
});
