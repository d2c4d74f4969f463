import { payloadReader } from '../processing/run-handler.js';
import { handlers } from '../processors/handlers.js';
import { getS3Client, getSnsClient, getSqsClient } from '../shared/aws-clients.js';
import { getSettings } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import { createFailedQueue } from '../webhooks/failed-queue.js';
import { createOperatorNotifier } from '../webhooks/operator-notifier.js';
import type { ProcessDependencies } from '../webhooks/process-webhook.js';
import { createS3PayloadStore } from '../webhooks/s3-payload-store.js';
import { getWebhookTable } from './webhook-table-instance.js';

let processing: ProcessDependencies | undefined;

/** Wiring for the process and retry handlers, built once per container on first use. */
export function processDependencies(): ProcessDependencies {
  const settings = getSettings();
  processing ??= {
    ledger: getWebhookTable().ledger,
    projections: getWebhookTable().projections,
    failedQueue: createFailedQueue(getSqsClient(), settings.failedQueueUrl),
    notifier: createOperatorNotifier(getSnsClient(), settings.operatorTopicArn),
    handlers,
    readPayload: payloadReader(createS3PayloadStore(getS3Client, settings.payloadBucket)),
    retryBackoff: settings.retryBackoff,
    leaseSeconds: settings.leaseSeconds,
    faultInjection: settings.faultInjection,
    log: logger,
  };
  return processing;
}
