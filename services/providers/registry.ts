import { ConfigurationError, UnknownProviderError } from '../shared/errors.js';
import { bigcommerce } from './bigcommerce.js';
import { github } from './github.js';
import { withSharedLimits } from './limits.js';
import type { Provider, ProviderDescriptor } from './provider.js';
import { shopify } from './shopify.js';
import { standardWebhooks } from './standard-webhooks.js';
import { stripe } from './stripe.js';

/**
 * Every provider the receiver knows, by name: one line each. The capture function, the stack
 * (secrets, SSM grants), the signing proxy and its catalogue all derive from this.
 */
export const PROVIDER_REGISTRY = registry({
  stripe,
  bigcommerce,
  github,
  shopify,
  'standard-webhooks': standardWebhooks,
});

export type ProviderName = keyof typeof PROVIDER_REGISTRY;

export const PROVIDERS: readonly ProviderDescriptor[] = Object.values(PROVIDER_REGISTRY);

/** Checks at compile time that each key is its descriptor's name. */
function registry<const T extends { readonly [K in keyof T]: ProviderDescriptor<K & string> }>(
  descriptors: T,
): T {
  return descriptors;
}

/** The name comes from the request path, so only a short, inert excerpt of it reaches messages. */
const MAX_ECHOED_NAME_LENGTH = 32;

/** Each provider's secrets (current first), by provider name. */
export type ProviderSecrets = Readonly<Record<string, readonly string[] | undefined>>;

/**
 * The configured providers: every required one, and an optional one (GitHub, Shopify, Standard
 * Webhooks) only when it has a secret, so a deployment that does not use it answers 404
 * unknown_provider for it. Each verifies through the limits every provider shares (limits.ts).
 * @throws ConfigurationError when a required provider has no secret, or a secret is unusable.
 */
export function createProviders(
  secrets: ProviderSecrets,
  descriptors: readonly ProviderDescriptor[] = PROVIDERS,
): ReadonlyMap<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const descriptor of descriptors) {
    const list = secrets[descriptor.name] ?? [];
    if (list.length === 0) {
      if (descriptor.secret.optional) continue;
      throw new ConfigurationError(
        `Provider ${descriptor.name} has no secret: set ${descriptor.secret.variable}.`,
        { context: { provider: descriptor.name, setting: descriptor.secret.variable } },
      );
    }
    providers.set(descriptor.name, withSharedLimits(descriptor.create(list)));
  }
  return providers;
}

/** A provider's local development secret: its variable in `env` when set, else its default. */
export function localSecret(
  descriptor: ProviderDescriptor,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  return env[descriptor.secret.variable] || descriptor.secret.localDefault;
}

/** @throws UnknownProviderError when no provider is configured under `name`. */
export function getProvider(providers: ReadonlyMap<string, Provider>, name: string): Provider {
  const provider = providers.get(name);
  if (provider === undefined) {
    const known = [...providers.keys()].join(', ');
    throw new UnknownProviderError(
      `Unknown webhook provider "${sanitise(name)}". Send webhooks to one of: ${known}.`,
      { context: { provider: sanitise(name), known: [...providers.keys()] } },
    );
  }
  return provider;
}

function sanitise(name: string): string {
  const cleaned = name.slice(0, MAX_ECHOED_NAME_LENGTH).replace(/[^A-Za-z0-9._-]/g, '?');
  return name.length > MAX_ECHOED_NAME_LENGTH ? `${cleaned}…` : cleaned;
}
