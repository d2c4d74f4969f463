/** Headers as the capture handler sees them: names lower-cased, as API Gateway HTTP APIs deliver them. */
export type Headers = Readonly<Record<string, string | undefined>>;

/** What a provider extracts from a request whose signature it has verified. */
export interface VerifiedEvent {
  /** The provider's own id for this event (Stripe `evt_…`, the `webhook-id` header, …). */
  readonly eventId: string;
  /** The provider's event type (`payment_intent.succeeded`, `store/order/created`, …). */
  readonly eventType: string;
  /** When the provider says the event happened, ISO 8601. Used to order events per resource. */
  readonly occurredAt: string;
  /** The parsed JSON body. */
  readonly payload: unknown;
}

export interface VerifyInput {
  /**
   * The raw request body, byte for byte as received (a string stands for its UTF-8 bytes). Never
   * a re-serialised object, never bytes decoded to text and back.
   */
  readonly rawBody: string | Uint8Array;
  readonly headers: Headers;
  /** The time of receipt; injected so tests control the clock. */
  readonly receivedAt: Date;
}

export interface SignInput {
  readonly rawBody: string;
  /** Signing time; the sender's clock. */
  readonly timestamp: Date;
  /**
   * Delivery/message id, for schemes that carry one in a header (Standard Webhooks `webhook-id`,
   * GitHub `x-github-delivery`, Shopify `x-shopify-webhook-id`). Generated when absent.
   */
  readonly eventId?: string;
  /**
   * Event type, for schemes that carry it in a header (GitHub `x-github-event`, Shopify
   * `x-shopify-topic`): the same string `verify` returns as `eventType`. Ignored by schemes that
   * read it from the body (Stripe, BigCommerce, Standard Webhooks).
   */
  readonly eventType?: string;
}

/** A value or a promise of it: GitHub's official library is async, the others are not. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A webhook sender. `verify` and `sign` sit side by side so that the receiver, the signing proxy
 * and the tests use one implementation of each signature scheme. Both may return a promise (the
 * provider's library decides), so callers `await` them; a provider's failures then surface as
 * rejections or throws alike, and `await` handles both.
 */
export interface Provider {
  readonly name: string;
  /** Header names (lower case) worth keeping with the stored webhook, for operators. */
  readonly keptHeaders: readonly string[];
  /** @throws SignatureVerificationError when the signature, secret or timestamp is wrong or missing. @throws InvalidEventError when the verified body is not a valid event. */
  verify(input: VerifyInput): MaybePromise<VerifiedEvent>;
  /**
   * Returns the headers a real sender would attach (lower-case names).
   * @throws InvalidEventError when the scheme needs a field the input lacks (GitHub's event type).
   */
  sign(input: SignInput): MaybePromise<Record<string, string>>;
}

/**
 * A provider whose library works synchronously (Stripe, BigCommerce, Shopify, Standard Webhooks).
 * Code that holds one, such as its own tests, may use the results without `await`.
 */
export interface SyncProvider extends Provider {
  verify(input: VerifyInput): VerifiedEvent;
  sign(input: SignInput): Record<string, string>;
}

/** Where a provider's secrets come from. */
export interface ProviderSecretSetting {
  /**
   * The environment variable with the values, comma-separated, current first (`local`). Ends in
   * `_SECRET`: the local profile takes every such variable from the developer's shell.
   */
  readonly variable: `${string}_SECRET`;
  /**
   * The SSM SecureString parameter the `aws` profile reads them from (the function gets its name
   * in `<variable>_PARAMETER`). A provider without one is not deployed to AWS.
   */
  readonly parameterName?: string;
  /** The development default of the `local` profile: not secret, documented in the README. */
  readonly localDefault: string;
  /** Configured only where it has a secret: elsewhere its path answers 404 unknown_provider. */
  readonly optional: boolean;
}

/**
 * Everything the receiver, the stack and the signing proxy need to know about a sender. Adding a
 * provider is one descriptor (usually beside its `create…Provider`) and one line in registry.ts.
 * The kept headers and the extraction of the event id, type and time are the created provider's
 * (`keptHeaders`, `verify`), so they only ever run on a verified request.
 */
export interface ProviderDescriptor<N extends string = string, P extends Provider = Provider> {
  /** The path segment of `/api/webhooks/{provider}`. */
  readonly name: N;
  readonly secret: ProviderSecretSetting;
  /**
   * The verifier and signer with these secrets, current first.
   * @throws ConfigurationError when a secret is unusable.
   */
  create(secrets: readonly string[]): P;
  /**
   * The provider's event id of a request, read without verifying it: for the signing proxy and
   * tests, which need the webhook id a request will get. The receiver uses `verify`'s.
   */
  eventIdOf(rawBody: string, headers: Headers): string | undefined;
}
