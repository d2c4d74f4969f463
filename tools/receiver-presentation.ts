import type { GatewayErrorBody } from '../emulator/http-api-response.js';
import { formatNotification, type Notification } from '../emulator/notifications.js';
import { warmReceiverStorage } from './storage-warm-up.js';

/*
 * What the local AWS shows of this receiver in particular, given to the emulator by whoever
 * starts it (`npm start`, the e2e suites, the bench): the emulator itself knows no application.
 */

/** The gateway's own errors in the receiver's `{"error":{"code","message"}}` shape. */
export const receiverErrorBody: GatewayErrorBody = (code, message) => ({
  error: { code, message },
});

/**
 * The operator topic's `webhook.dead` message as a prominent block with the CLI commands that
 * inspect and redrive it; any other message as the emulator prints it.
 */
export function formatReceiverNotification(notification: Notification): string {
  const m = notification.message as Record<string, unknown> | undefined;
  if (m && typeof m === 'object' && m.kind === 'webhook.dead') {
    const error = m.lastError as { code?: string; message?: string } | undefined;
    return [
      '',
      `!!! DEAD WEBHOOK ${m.id} (${m.provider} ${m.eventType}) after ${m.attempts} attempts`,
      `!!! last error: ${error?.code ?? 'unknown'}: ${error?.message ?? ''}`,
      `!!! inspect: npm run webhooks -- show ${m.id}    redrive: npm run webhooks -- redrive ${m.id}`,
      '',
    ].join('\n');
  }
  return formatNotification(notification);
}

/**
 * The options of `startEmulator` that present this receiver, and the storage requests its
 * DynamoDB Local should have met before the first webhook (tools/storage-warm-up.ts).
 */
export const RECEIVER_PRESENTATION = {
  errorBody: receiverErrorBody,
  formatNotification: formatReceiverNotification,
  warmUp: warmReceiverStorage,
} as const;
