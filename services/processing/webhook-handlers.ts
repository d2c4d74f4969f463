import type { HandlerContext } from './handler-context.js';
import type { EventOf, EventPattern, ProviderEvents, ProviderName } from './provider-events.js';

/**
 * What a handler may return: nothing (the outcome is `applied`, or `stale` when its last
 * `latestWins` found a newer event), or the outcome and the resource the event was about.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing is the common case
export type HandlerResult = void | {
  readonly outcome?: 'applied' | 'stale';
  readonly resource?: string;
};

/**
 * Applies one event. Runs at least once per webhook (a retry, a replay, a crash after the effect),
 * so it must be idempotent: `context.latestWins` and `context.once` are the tools for that.
 * Throw `PermanentError` for an event that can never succeed (dead at once), `RetryLaterError`
 * to be tried again after a delay; any other error is retried with backoff.
 */
export type WebhookHandler<E> = (
  event: E,
  context: HandlerContext,
) => Promise<HandlerResult> | HandlerResult;

/** The handler chosen for one webhook, and the registration that chose it. */
export interface Route {
  // biome-ignore lint/suspicious/noExplicitAny: the registry stores handlers of every event type
  readonly handler: WebhookHandler<any>;
  /** The pattern that matched (`payment_intent.*`), or `fallback`. */
  readonly pattern: string;
}

interface ProviderRoutes {
  // biome-ignore lint/suspicious/noExplicitAny: as in Route
  readonly exact: Map<string, WebhookHandler<any>>;
  // biome-ignore lint/suspicious/noExplicitAny: as in Route
  readonly prefixes: Array<{ readonly prefix: string; readonly handler: WebhookHandler<any> }>;
  // biome-ignore lint/suspicious/noExplicitAny: as in Route
  fallback?: WebhookHandler<any>;
}

/**
 * Handlers by provider and event type. For one webhook the most specific registration wins: the
 * exact type, else the longest wildcard prefix (`payment_intent.*` before `payment_intent.*`'s
 * shorter cousins; `*` only at the end), else the provider's fallback. No match: the webhook
 * completes with outcome `ignored`. Registering the same pattern twice is a mistake and throws.
 */
export class WebhookHandlers {
  readonly #providers = new Map<string, ProviderRoutes>();

  /** Registers `handler` for `provider`'s events of type `pattern` (exact, or `prefix*`). */
  on<P extends ProviderName, const T extends EventPattern<P>>(
    provider: P,
    pattern: T,
    handler: WebhookHandler<EventOf<P, T>>,
  ): this {
    const routes = this.#routes(provider);
    const star = pattern.indexOf('*');
    if (star === -1) {
      if (pattern === '') throw new Error(`An event type pattern for ${provider} is empty.`);
      if (routes.exact.has(pattern)) throw duplicate(provider, pattern);
      routes.exact.set(pattern, handler);
      return this;
    }
    if (star !== pattern.length - 1 || star === 0) {
      throw new Error(
        `"${pattern}" is not a pattern: use an event type, or a prefix ending in * such as ` +
          '"payment_intent.*"; for every other event of a provider, use fallback().',
      );
    }
    const prefix = pattern.slice(0, -1);
    if (routes.prefixes.some((p) => p.prefix === prefix)) throw duplicate(provider, pattern);
    routes.prefixes.push({ prefix, handler });
    // Longest first, so the first match is the most specific.
    routes.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    return this;
  }

  /**
   * Registers the handler for `provider`'s events that no `on` registration takes. Its event is
   * the provider's event union, but may be of a type newer than the installed types package.
   */
  fallback<P extends ProviderName>(
    provider: P,
    handler: WebhookHandler<ProviderEvents[P]['event']>,
  ): this {
    const routes = this.#routes(provider);
    if (routes.fallback) throw duplicate(provider, 'fallback');
    routes.fallback = handler;
    return this;
  }

  /** The handler for this provider's event type, or undefined when none takes it. */
  route(provider: string, eventType: string): Route | undefined {
    const routes = this.#providers.get(provider);
    if (!routes) return undefined;
    const exact = routes.exact.get(eventType);
    if (exact) return { handler: exact, pattern: eventType };
    const prefix = routes.prefixes.find((p) => eventType.startsWith(p.prefix));
    if (prefix) return { handler: prefix.handler, pattern: `${prefix.prefix}*` };
    return routes.fallback ? { handler: routes.fallback, pattern: 'fallback' } : undefined;
  }

  #routes(provider: string): ProviderRoutes {
    let routes = this.#providers.get(provider);
    if (!routes) {
      routes = { exact: new Map(), prefixes: [] };
      this.#providers.set(provider, routes);
    }
    return routes;
  }
}

/** A new, empty set of handlers: chain `.on(…)` and `.fallback(…)` on it. */
export function webhookHandlers(): WebhookHandlers {
  return new WebhookHandlers();
}

function duplicate(provider: string, pattern: string): Error {
  return new Error(`A handler for ${provider} "${pattern}" is registered twice.`);
}
