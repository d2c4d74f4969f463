import { processors } from '../processors/registry.js';
import { createProviders } from '../providers/registry.js';
import { getDocumentClient, getSnsClient, getSqsClient } from '../shared/aws-clients.js';
import { getSettings } from '../shared/config.js';
import { logger } from '../shared/logger.js';
import type { CaptureDependencies } from '../webhooks/capture-webhook.js';
import { createFailedQueue } from '../webhooks/failed-queue.js';
import { createOperatorNotifier } from '../webhooks/operator-notifier.js';
import type { ProcessDependencies } from '../webhooks/process-webhook.js';
import { WebhookStore } from '../webhooks/webhook-store.js';

/* Wiring for the Lambda handlers, built once per container on first use. */

let store: WebhookStore | undefined;
let capture: CaptureDependencies | undefined;
let processing: ProcessDependencies | undefined;

function getStore(): WebhookStore {
  const settings = getSettings();
  store ??= new WebhookStore({
    client: getDocumentClient(),
    tableName: settings.tableName,
    retentionDays: settings.retentionDays,
  });
  return store;
}

export function captureDependencies(): CaptureDependencies {
  const settings = getSettings();
  capture ??= {
    providers: createProviders({
      stripe: settings.stripeSecrets,
      bigcommerce: settings.bigcommerceSecrets,
    }),
    store: getStore(),
    maxPayloadBytes: settings.maxPayloadBytes,
    faultInjection: settings.faultInjection,
  };
  return capture;
}

export function processDependencies(): ProcessDependencies {
  const settings = getSettings();
  processing ??= {
    store: getStore(),
    failedQueue: createFailedQueue(getSqsClient(), settings.failedQueueUrl),
    notifier: createOperatorNotifier(getSnsClient(), settings.operatorTopicArn),
    processors,
    leaseSeconds: settings.leaseSeconds,
    faultInjection: settings.faultInjection,
    log: logger,
  };
  return processing;
}
