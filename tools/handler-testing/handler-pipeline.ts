import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { inlinePayload } from '../../services/processing/run-handler.js';
import type { WebhookHandlers } from '../../services/processing/webhook-handlers.js';
import { createProviders, localSecret, PROVIDERS } from '../../services/providers/registry.js';
import type { Logger } from '../../services/shared/logger.js';
import { captureWebhook } from '../../services/webhooks/capture-webhook.js';
import type { FailedQueue } from '../../services/webhooks/failed-queue.js';
import { type AttemptReport, processAttempt } from '../../services/webhooks/process-webhook.js';
import type { Projection } from '../../services/webhooks/projection-store.js';
import type { Webhook, WebhookState } from '../../services/webhooks/webhook.js';
import { openWebhookTable } from '../../services/webhooks/webhook-table.js';
import { MAX_RECEIVE_COUNT, resolveProfile } from '../../stack/profile.js';
import { type ProviderName, signedHeaders } from '../signing-proxy/signed-request.js';

export interface HandlerPipelineOptions {
  /** The handlers under test (your `handlers`, or a `webhookHandlers()` of your own). */
  readonly handlers: WebhookHandlers;
  /** The stack's table, e.g. on DynamoDB Local: what capture writes and the handler's context uses. */
  readonly table: { readonly client: DynamoDBDocumentClient; readonly tableName: string };
  /** The functions' log lines (silent by default). */
  readonly log?: Logger;
}

export interface Delivery {
  /** The webhook's id, as capture answered it. */
  readonly id: string;
  readonly duplicate: boolean;
  /** What the attempt decided; absent for a duplicate (nothing to process). */
  readonly report?: AttemptReport;
  /** The webhook's status after the attempt (status, attempts, outcome, lastError, …). */
  readonly state: WebhookState;
}

/**
 * Runs handlers on signed fixtures through the code the functions run: the provider signs the
 * body with its local development secret, capture verifies it and stores it (the DynamoDB
 * ledger), and the attempt claims it, runs the handler with its real context (latestWins and
 * once on the table) and records the result. Only the hops between functions are calls here:
 * `deliver` runs the first attempt as the stream would, `retry` the next as the failed queue
 * would (at once: the retry's delay is recorded in `nextAttemptAt`, not waited for). For the
 * whole stack with its queues and timings, the e2e suites send to `npm start`'s emulator.
 */
export function handlerPipeline(options: HandlerPipelineOptions) {
  const profile = resolveProfile('local', {});
  const table = openWebhookTable({ ...options.table, retentionDays: profile.retentionDays });
  const log = options.log ?? pino({ level: 'silent' });
  const providers = createProviders(
    Object.fromEntries(PROVIDERS.map((d) => [d.name, [localSecret(d)]])),
  );
  const queued = new Map<string, string>();
  const failedQueue: FailedQueue = {
    async enqueue(webhook, queueToken) {
      queued.set(webhook.id, queueToken);
    },
    async delayRedelivery() {},
  };
  const deps = {
    ledger: table.ledger,
    projections: table.projections,
    failedQueue,
    notifier: { webhookDead: async () => {} },
    handlers: options.handlers,
    readPayload: inlinePayload,
    retryBackoff: profile.retryBackoff,
    leaseSeconds: profile.leaseSeconds,
    faultInjection: false,
    log,
  };

  async function stateOf(id: string): Promise<WebhookState> {
    const state = await table.ledger.getState(id);
    if (!state) throw new Error(`No webhook ${id}.`);
    return state;
  }

  async function webhookOf(id: string): Promise<Webhook> {
    const webhook = await table.ledger.getWebhook(id);
    if (!webhook) throw new Error(`No webhook ${id}.`);
    return webhook;
  }

  return {
    /**
     * Signs `event` as `provider` would, captures it and runs its first attempt. GitHub and
     * Shopify name the event type in a header: pass `eventType` (`issues.opened`, `orders/create`).
     */
    async deliver(
      provider: ProviderName,
      event: object,
      signing: { readonly eventType?: string; readonly headers?: Record<string, string> } = {},
    ): Promise<Delivery> {
      const rawBody = JSON.stringify(event);
      const headers = {
        ...(await signedHeaders(provider, rawBody, {
          ...(signing.eventType ? { eventType: signing.eventType } : {}),
        })),
        ...signing.headers,
      };
      const captured = await captureWebhook(
        {
          providers,
          ledger: table.ledger,
          maxPayloadBytes: profile.maxPayloadBytes,
          faultInjection: false,
        },
        {
          provider,
          body: Buffer.from(rawBody, 'utf8'),
          // As API Gateway carries a JSON body: as a JSON string in the invocation event.
          eventBodyBytes: Buffer.byteLength(JSON.stringify(rawBody)),
          headers,
          receivedAt: new Date(),
        },
      );
      if (captured.duplicate) {
        return { id: captured.id, duplicate: true, state: await stateOf(captured.id) };
      }
      const report = await processAttempt(deps, await webhookOf(captured.id), {
        source: 'stream',
      });
      return { id: captured.id, duplicate: false, report, state: await stateOf(captured.id) };
    },

    /** Runs the next attempt of a failed webhook, as the retry function would on its message. */
    async retry(id: string): Promise<Delivery> {
      const before = await stateOf(id);
      const queueToken = queued.get(id) ?? before.queueToken;
      if (before.status !== 'failed' || !queueToken) {
        throw new Error(`Webhook ${id} is ${before.status}, with no retry to run.`);
      }
      const report = await processAttempt(deps, await webhookOf(id), {
        source: 'queue',
        // Attempt 2 is the message's first receive, attempt 3 its last.
        receiveCount: before.attempts,
        maxReceiveCount: MAX_RECEIVE_COUNT,
        queueToken,
        receiptHandle: 'handler-pipeline',
      });
      return { id, duplicate: false, report, state: await stateOf(id) };
    },

    /** A resource's projection, as `latestWins` left it. */
    projection(resource: string): Promise<Projection | undefined> {
      return table.projections.getProjection(resource);
    },
  };
}
