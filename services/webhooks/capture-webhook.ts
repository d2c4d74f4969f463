import type { Headers, Provider, VerifiedEvent } from '../providers/provider.js';
import { getProvider } from '../providers/registry.js';
import { PayloadTooLargeError } from '../shared/errors.js';
import { FAULT_HEADERS } from './fault-injection.js';
import type { Webhook } from './webhook.js';
import { deriveWebhookId } from './webhook-id.js';
import type { PayloadConflict, WebhookLedger } from './webhook-ledger.js';

export interface CaptureDependencies {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly ledger: Pick<WebhookLedger, 'create'>;
  readonly maxPayloadBytes: number;
  readonly faultInjection: boolean;
}

export interface CaptureRequest {
  readonly provider: string;
  readonly rawBody: string;
  readonly headers: Headers;
  readonly receivedAt: Date;
}

export interface CaptureResult {
  readonly id: string;
  readonly duplicate: boolean;
  /** A duplicate whose body differs from the stored copy's (kept; the conflict recorded). */
  readonly conflict?: PayloadConflict;
  readonly provider: string;
  readonly event: VerifiedEvent;
}

/**
 * Verifies who sent the webhook, derives its id from the provider's event id and stores it
 * durably. Only when this resolves may the sender be told 2xx.
 */
export async function captureWebhook(
  deps: CaptureDependencies,
  request: CaptureRequest,
): Promise<CaptureResult> {
  const provider = getProvider(deps.providers, request.provider);
  const size = Buffer.byteLength(request.rawBody, 'utf8');
  if (size > deps.maxPayloadBytes) {
    throw new PayloadTooLargeError(
      `The body is ${size} bytes; this receiver stores at most ${deps.maxPayloadBytes}.`,
      {
        context: { size, limit: deps.maxPayloadBytes },
      },
    );
  }
  const event = await provider.verify({
    rawBody: request.rawBody,
    headers: request.headers,
    receivedAt: request.receivedAt,
  });
  const id = deriveWebhookId(provider.name, event.eventId);
  const webhook: Webhook = {
    id,
    provider: provider.name,
    eventType: event.eventType,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    receivedAt: request.receivedAt.toISOString(),
    payload: request.rawBody,
    headers: keptHeaders(provider, request.headers, deps.faultInjection),
  };
  const result = await deps.ledger.create(webhook);
  return {
    id,
    duplicate: result.outcome === 'duplicate',
    ...(result.outcome === 'duplicate' && result.conflict ? { conflict: result.conflict } : {}),
    provider: provider.name,
    event,
  };
}

function keptHeaders(
  provider: Provider,
  headers: Headers,
  faultInjection: boolean,
): Record<string, string> {
  const names = faultInjection ? [...provider.keptHeaders, ...FAULT_HEADERS] : provider.keptHeaders;
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value.slice(0, 1024);
  }
  return kept;
}
