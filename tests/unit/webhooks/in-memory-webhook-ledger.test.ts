import { InMemoryWebhookLedger } from '../../helpers/in-memory-webhook-ledger.js';
import { describeLedgerContract } from '../../helpers/webhook-ledger-contract.js';

const ledger = new InMemoryWebhookLedger();

describeLedgerContract('in memory', () => ({
  ledger: (now) => (now ? ledger.withClock(now) : ledger),
  listAttention: (status) => ledger.listAttention(status),
}));
