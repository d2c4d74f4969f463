import { getDocumentClient } from '../shared/aws-clients.js';
import { getSettings } from '../shared/config.js';
import { WebhookStore } from '../webhooks/webhook-store.js';

let store: WebhookStore | undefined;

/** The container's one WebhookStore on the stack's table. */
export function getWebhookStore(): WebhookStore {
  const settings = getSettings();
  store ??= new WebhookStore({
    client: getDocumentClient(),
    tableName: settings.tableName,
    retentionDays: settings.retentionDays,
  });
  return store;
}
