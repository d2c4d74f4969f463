/*
 * The events a handler receives, per provider and event type: the providers' own type packages
 * where they exist (the `stripe` package's `Stripe.Event` union, narrowed by `type`;
 * `@octokit/webhooks-types` for GitHub, narrowed by `action`), and our own for BigCommerce, Shopify
 * and Standard Webhooks. Types only: nothing here reaches a Lambda bundle.
 */
import type { EventPayloadMap, WebhookEventName } from '@octokit/webhooks-types';
import type Stripe from 'stripe';
import type { ProviderName as RegisteredProvider } from '../providers/registry.js';

/** Stripe: every event type the installed `stripe` package knows, each with its own object. */
export type StripeEventType = Stripe.Event['type'];
export type StripeEvent<T extends string = StripeEventType> = Extract<Stripe.Event, { type: T }>;

/**
 * GitHub: the receiver's event type is `<X-GitHub-Event>.<action>` when the payload has an action
 * (`issues.opened`), else the event name alone (`push`).
 */
type GitHubActionOf<E extends WebhookEventName> = EventPayloadMap[E] extends infer P
  ? P extends { action: infer A extends string }
    ? A
    : never
  : never;
export type GitHubEventType = {
  [E in WebhookEventName]: [GitHubActionOf<E>] extends [never] ? E : `${E}.${GitHubActionOf<E>}`;
}[WebhookEventName];
export type GitHubEvent<T extends string = GitHubEventType> =
  T extends `${infer E extends WebhookEventName}.${infer A}`
    ? Extract<EventPayloadMap[E], { action: A }>
    : T extends WebhookEventName
      ? EventPayloadMap[T]
      : never;

/**
 * BigCommerce: `scope` names the event (`store/order/created`); the payload carries ids only, a
 * handler fetches the resource itself.
 */
export interface BigCommerceEvent<T extends string = string> {
  readonly scope: T;
  readonly store_id: string;
  readonly created_at: number;
  readonly producer: string;
  readonly hash?: string;
  readonly data: {
    readonly type: string;
    readonly id: number | string;
    readonly status?: { readonly previous_status_id: number; readonly new_status_id: number };
    readonly [field: string]: unknown;
  };
}
/** The scopes of the example processors and the common ones; any other scope is a string too. */
export type BigCommerceEventType =
  | 'store/order/created'
  | 'store/order/updated'
  | 'store/order/archived'
  | 'store/order/statusUpdated'
  | 'store/order/refund/created'
  | 'store/product/created'
  | 'store/product/updated'
  | 'store/product/deleted'
  | 'store/customer/created'
  | 'store/customer/updated'
  | 'store/customer/deleted'
  | 'store/cart/created'
  | 'store/cart/updated';

/**
 * Shopify: the topic (`orders/create`) travels in a header; the body is the resource itself, in
 * the shape of the API version the subscription uses, so only the fields every resource has are
 * typed.
 */
export interface ShopifyEvent {
  readonly id?: number | string;
  readonly admin_graphql_api_id?: string;
  readonly created_at?: string;
  readonly updated_at?: string;
  readonly [field: string]: unknown;
}
export type ShopifyEventType =
  | 'orders/create'
  | 'orders/updated'
  | 'orders/paid'
  | 'orders/cancelled'
  | 'orders/fulfilled'
  | 'products/create'
  | 'products/update'
  | 'products/delete'
  | 'customers/create'
  | 'customers/update'
  | 'app/uninstalled';

/** Standard Webhooks: the spec's envelope; `data` is the sender's own. */
export interface StandardWebhookEvent<T extends string = string> {
  readonly type: T;
  readonly timestamp: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Per provider: the event types it knows (for completion) and the event of each. */
export interface ProviderEvents {
  readonly stripe: { readonly types: StripeEventType; readonly event: Stripe.Event };
  readonly github: { readonly types: GitHubEventType; readonly event: GitHubEvent };
  readonly bigcommerce: { readonly types: BigCommerceEventType; readonly event: BigCommerceEvent };
  readonly shopify: { readonly types: ShopifyEventType; readonly event: ShopifyEvent };
  readonly 'standard-webhooks': { readonly types: string; readonly event: StandardWebhookEvent };
}

export type ProviderName = keyof ProviderEvents;

/**
 * Compiles only while the providers typed here are exactly the registered ones
 * (services/providers/registry.ts): a new provider needs its events typed above.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MustHold<T extends true> = T;
export type EveryProviderTyped = MustHold<Same<RegisteredProvider, ProviderName>>;

/** What a pattern may be: an event type, or a prefix ending in `*` (`payment_intent.*`). */
type Prefixes<T extends string> = T extends `${infer Head}.${infer Tail}`
  ? `${Head}.*` | `${Head}.${Prefixes<Tail>}`
  : T extends `${infer Head}/${infer Tail}`
    ? `${Head}/*` | `${Head}/${Prefixes<Tail>}`
    : never;
/** Known types and their prefixes, offered for completion; any other string still compiles. */
export type EventPattern<P extends ProviderName> =
  | ProviderEvents[P]['types']
  | Prefixes<ProviderEvents[P]['types']>
  | (string & {});

/** The event a handler for this provider and pattern receives. */
export type EventOf<P extends ProviderName, Pattern extends string> = P extends 'stripe'
  ? Pattern extends `${infer Prefix}*`
    ? StripeEvent<`${Prefix}${string}`>
    : Pattern extends StripeEventType
      ? StripeEvent<Pattern>
      : Stripe.Event
  : P extends 'github'
    ? Pattern extends `${infer Prefix}*`
      ? GitHubEvent<Extract<GitHubEventType, `${Prefix}${string}`>>
      : Pattern extends GitHubEventType
        ? GitHubEvent<Pattern>
        : GitHubEvent
    : P extends 'bigcommerce'
      ? BigCommerceEvent<Pattern extends `${infer Prefix}*` ? `${Prefix}${string}` : Pattern>
      : P extends 'standard-webhooks'
        ? StandardWebhookEvent<Pattern extends `${infer Prefix}*` ? `${Prefix}${string}` : Pattern>
        : ProviderEvents[P]['event'];
