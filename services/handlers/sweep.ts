import type { ScheduledEvent } from 'aws-lambda';
import { getSettings } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import { getMetrics, publishingMetrics } from '../shared/metrics.js';
import { type SweepReport, sweepWebhooks } from '../webhooks/sweep-webhooks.js';
import { recordSweep } from '../webhooks/webhook-metrics.js';
import { processDependencies } from './process-dependencies.js';
import { getWebhookTable } from './webhook-table-instance.js';

/** Scheduled (EventBridge): re-enqueues webhooks nothing else will move. */
export const handler = publishingMetrics(async (_event: ScheduledEvent): Promise<SweepReport> => {
  const deps = processDependencies();
  const report = await sweepWebhooks({
    ...deps,
    attention: getWebhookTable().attention,
    thresholds: getSettings().sweepThresholds,
    log: logger.child({ component: 'sweeper' }),
  });
  recordSweep(getMetrics(), report);
  return report;
});
