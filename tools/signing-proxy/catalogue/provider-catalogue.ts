import type { Provider, ProviderDescriptor } from '../../../services/providers/provider.js';
import type { IdSource } from '../ids.js';

/*
 * The extension point for senders. One `ProviderCatalogue` per registered provider, in its own
 * file next to this one, keyed by provider name in `catalogues.ts` (which does not compile while
 * a registered provider has none): its realistic events and how it retries. How it signs and
 * where its secret comes from are the receiver's provider descriptor's (`fromDescriptor`).
 * Nothing else in the signing proxy names a provider.
 */

export interface EventFactoryInput {
  /**
   * The resource the event is about, so that many events can target one payment intent or
   * order (`pi_…`, an order number). Generated when absent.
   */
  readonly resourceId?: string;
  /** When the event happened by the provider's clock: the payload's own time. Default: now. */
  readonly occurredAt?: Date;
  /**
   * Merged into the body: plain objects deeply, anything else replaced. A key set to `null`
   * stays `null`; a key set to `undefined` is left out of the JSON.
   */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Where generated ids come from; random by default, seeded for a reproducible run. */
  readonly ids?: IdSource;
}

/** One event, built and ready to be signed. */
export interface CatalogueEvent {
  readonly provider: string;
  readonly eventType: string;
  /**
   * The provider's event id, which the receiver deduplicates on: Stripe's `evt_…` (in the body),
   * or the delivery id of schemes that carry it in a header (BigCommerce's `webhook-id`), which
   * is handed to `Provider.sign` as `eventId`.
   */
  readonly eventId: string;
  /** `<resource type>/<id>`: `payment_intent/pi_…`, `order/250`. */
  readonly resource: string;
  /** Provider time of the event, at the precision the payload carries (seconds for both). */
  readonly occurredAt: Date;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface CatalogueEntry {
  readonly description: string;
  /** What `resourceId` names: `payment_intent`, `customer`, `order`, `product`. */
  readonly resourceType: string;
  build(input?: EventFactoryInput): CatalogueEvent;
}

/** A sender's own retry behaviour after a non-2xx answer (or none). */
export interface RetrySchedule {
  /** Seconds to wait after each failed attempt; its length is the number of retries. */
  readonly delaysSeconds: readonly number[];
  /** Where the schedule comes from. */
  readonly source: string;
}

export interface ProviderCatalogue<N extends string = string> {
  /** The receiver's provider name, as in `/api/webhooks/{provider}`. */
  readonly provider: N;
  /** Keyed by the provider's own event type (`payment_intent.succeeded`, `store/order/created`). */
  readonly events: Readonly<Record<string, CatalogueEntry>>;
  readonly retrySchedule: RetrySchedule;
  /** The variable the receiver reads this provider's secrets from, and its local default. */
  readonly secret: { readonly env: string; readonly localDefault: string };
  /** A well-formed secret that is not the configured one, for the wrong-secret chaos. */
  readonly wrongSecret: string;
  /** The header carrying the signature, for the tampered-signature chaos. */
  readonly signatureHeader: string;
  /** The receiver's own provider module with these secrets; `sign` uses the first. */
  createProvider(secrets: readonly string[]): Provider;
  /**
   * What a body sent as is (forward mode) says about itself. `eventId` is undefined for schemes
   * that carry it in a header; `newEventId` then makes one.
   */
  describeBody(body: unknown): { eventType?: string; eventId?: string; occurredAt?: Date };
  newEventId(ids: IdSource): string;
}

/**
 * What a catalogue takes from the receiver's provider descriptor (services/providers/registry.ts),
 * so that its name, secret variable, local default and signer are never spelled twice.
 */
export function fromDescriptor<N extends string>(
  descriptor: ProviderDescriptor<N>,
): Pick<ProviderCatalogue<N>, 'provider' | 'secret' | 'createProvider'> {
  return {
    provider: descriptor.name,
    secret: { env: descriptor.secret.variable, localDefault: descriptor.secret.localDefault },
    createProvider: (secrets) => descriptor.create(secrets),
  };
}
