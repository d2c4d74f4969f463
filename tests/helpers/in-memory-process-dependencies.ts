import { pino } from 'pino';
import { inlinePayload } from '../../services/processing/run-handler.js';
import type { ProcessDependencies } from '../../services/webhooks/process-webhook.js';
import { FakeFailedQueue } from './fake-failed-queue.js';
import { InMemoryProjectionStore } from './in-memory-projection-store.js';
import { InMemoryWebhookLedger } from './in-memory-webhook-ledger.js';

/**
 * What a processing attempt needs, all in memory (no DynamoDB Local, no queue): the handlers
 * given, the local profile's backoff, a silent logger. Pass what a test looks at (its ledger,
 * its failed queue, a notifier that records) as overrides.
 */
export function inMemoryProcessDependencies(
  overrides: Partial<ProcessDependencies> & Pick<ProcessDependencies, 'handlers'>,
): ProcessDependencies {
  return {
    ledger: new InMemoryWebhookLedger(),
    projections: new InMemoryProjectionStore(),
    failedQueue: new FakeFailedQueue(),
    notifier: { webhookDead: async () => {} },
    readPayload: inlinePayload,
    retryBackoff: { firstSeconds: 1, factor: 3 },
    leaseSeconds: 60,
    faultInjection: false,
    log: pino({ level: 'silent' }),
    ...overrides,
  };
}
