import type { Headers, Provider, VerifiedEvent } from '../providers/provider.js';
import { getProvider } from '../providers/registry.js';
import { PayloadTooLargeError } from '../shared/errors.js';
import { FAULT_HEADERS } from './fault-injection.js';
import type { Webhook } from './webhook.js';
import { type PayloadStore, storeWebhookBody } from './webhook-body.js';
import { deriveWebhookId } from './webhook-id.js';
import type { PayloadConflict, WebhookLedger } from './webhook-ledger.js';

export interface CaptureDependencies {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly ledger: Pick<WebhookLedger, 'create'>;
  /** The largest body, as the invocation event carries it (`eventBodyBytes`): 413 above it. */
  readonly maxPayloadBytes: number;
  /**
   * The claim check: bodies over `inlineMaxBytes` go to the stack's payload bucket, smaller ones
   * stay inline. Without it every body is kept inline (DynamoDB's 400 KB item limit applies).
   */
  readonly claimCheck?: { readonly store: PayloadStore; readonly inlineMaxBytes: number };
  readonly faultInjection: boolean;
}

export interface CaptureRequest {
  readonly provider: string;
  /** The body's bytes exactly as the sender signed them (base64 already decoded). */
  readonly body: Uint8Array;
  /**
   * The body's size in the invocation event: its base64 text when the gateway encoded it, its
   * JSON string otherwise. What the 6 MB invocation limit counts (services/handlers/capture.ts).
   */
  readonly eventBodyBytes: number;
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
  const size = request.body.byteLength;
  if (request.eventBodyBytes > deps.maxPayloadBytes) {
    throw new PayloadTooLargeError(
      `The body is ${size} bytes (${request.eventBodyBytes} in the invocation event); this ` +
        `receiver takes at most ${deps.maxPayloadBytes} bytes of event body.`,
      { context: { size, eventBodyBytes: request.eventBodyBytes, limit: deps.maxPayloadBytes } },
    );
  }
  const event = await provider.verify({
    rawBody: request.body,
    headers: request.headers,
    receivedAt: request.receivedAt,
  });
  const id = deriveWebhookId(provider.name, event.eventId);
  // Written before the table transaction: an item never points at a missing object.
  const body = await storeWebhookBody(
    id,
    request.body,
    deps.claimCheck ?? { inlineMaxBytes: Number.POSITIVE_INFINITY, store: noPayloadStore },
  );
  const webhook: Webhook = {
    id,
    provider: provider.name,
    eventType: event.eventType,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    receivedAt: request.receivedAt.toISOString(),
    body,
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

const noPayloadStore: PayloadStore = {
  put: () => Promise.reject(new Error('No payload bucket is configured.')),
  get: () => Promise.reject(new Error('No payload bucket is configured.')),
};
