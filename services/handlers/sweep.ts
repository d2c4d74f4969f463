import type { ScheduledEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import { type SweepReport, sweepWebhooks } from '../webhooks/sweep-webhooks.js';
import { processDependencies } from './process-dependencies.js';
import { getWebhookTable } from './webhook-table-instance.js';

/** Scheduled (EventBridge): re-enqueues webhooks nothing else will move. */
export async function handler(_event: ScheduledEvent): Promise<SweepReport> {
  const deps = processDependencies();
  return sweepWebhooks({
    ...deps,
    attention: getWebhookTable().attention,
    thresholds: getSettings().sweepThresholds,
    log: logger.child({ component: 'sweeper' }),
  });
}
