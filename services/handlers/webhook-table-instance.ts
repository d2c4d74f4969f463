import { getDocumentClient } from '../shared/aws-clients.js';
import { getSettings } from '../shared/config.js';
import { openWebhookTable, type WebhookTable } from '../webhooks/webhook-table.js';

let table: WebhookTable | undefined;

/** The container's one view of the stack's table; each handler takes the parts it needs. */
export function getWebhookTable(): WebhookTable {
  const settings = getSettings();
  table ??= openWebhookTable({
    client: getDocumentClient(),
    tableName: settings.tableName,
    retentionDays: settings.retentionDays,
  });
  return table;
}
