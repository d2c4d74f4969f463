import { PermanentError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ProjectionStore } from '../webhooks/projection-store.js';
import type { Outcome, Webhook } from '../webhooks/webhook.js';
import { type PayloadStore, readWebhookBody } from '../webhooks/webhook-body.js';
import { createHandlerContext } from './handler-context.js';
import type { WebhookHandlers } from './webhook-handlers.js';

export interface HandlerRunDependencies {
  readonly handlers: WebhookHandlers;
  readonly projections: ProjectionStore;
  /** The webhook's body as text: the one place processing obtains it. */
  readonly readPayload: (webhook: Webhook) => Promise<string>;
}

export interface HandlerAttempt {
  readonly attempt: number;
  readonly trigger: 'stream' | 'queue';
  readonly log: Logger;
  readonly timeLeftMs: () => number;
}

export interface HandlerOutcome {
  readonly outcome: Outcome;
  /** The resource the event was about (`stripe#payment_intent#pi_123`), when there is one. */
  readonly resource?: string;
  /** The registration that took it (`payment_intent.*`, `fallback`), absent when ignored. */
  readonly pattern?: string;
}

/**
 * Runs the handler registered for the webhook's provider and type on its parsed event. No
 * handler: `ignored`, a success and not a failure (the body is not even read). Errors propagate:
 * the caller classifies them (services/webhooks/failure-kind.ts).
 */
export async function runHandler(
  deps: HandlerRunDependencies,
  webhook: Webhook,
  attempt: HandlerAttempt,
): Promise<HandlerOutcome> {
  const route = deps.handlers.route(webhook.provider, webhook.eventType);
  if (!route) return { outcome: 'ignored' };
  const event = parseEvent(webhook, await deps.readPayload(webhook));
  const { context, latest } = createHandlerContext({
    webhook,
    attempt: attempt.attempt,
    trigger: attempt.trigger,
    log: attempt.log,
    projections: deps.projections,
    timeLeftMs: attempt.timeLeftMs,
  });
  const returned = (await route.handler(event, context)) ?? {};
  const found = latest();
  const resource = returned.resource ?? found.resource;
  return {
    outcome: returned.outcome ?? found.outcome ?? 'applied',
    ...(resource ? { resource } : {}),
    pattern: route.pattern,
  };
}

/** The one place a payload is parsed. Capture stored only JSON, so this fails only on damage. */
function parseEvent(webhook: Webhook, payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch (error) {
    throw new PermanentError('The stored payload is not JSON.', {
      cause: error,
      context: { webhookId: webhook.id },
    });
  }
}

/**
 * Reads payloads through `readWebhookBody`, inline or claim-checked alike, as UTF-8 text for
 * `parseEvent`. A claim-checked body that cannot be read throws PayloadUnavailableError: a
 * transient failure, retried, then dead with that reason.
 */
export function payloadReader(
  store: Pick<PayloadStore, 'get'> | undefined,
): (webhook: Webhook) => Promise<string> {
  return async (webhook) => (await readWebhookBody(webhook, store)).toString('utf8');
}

/** Payloads kept inline in the webhook item only (no payload bucket): unit tests. */
export const inlinePayload = payloadReader(undefined);
