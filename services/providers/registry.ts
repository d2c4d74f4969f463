import { UnknownProviderError } from '../shared/errors.js';
import { createBigCommerceProvider } from './bigcommerce.js';
import { createGitHubProvider } from './github.js';
import type { Provider } from './provider.js';
import { createShopifyProvider } from './shopify.js';
import { createStandardWebhooksProvider } from './standard-webhooks.js';
import { createStripeProvider } from './stripe.js';

/** The name comes from the request path, so only a short, inert excerpt of it reaches messages. */
const MAX_ECHOED_NAME_LENGTH = 32;

export interface ProviderSecrets {
  readonly stripe: readonly string[];
  readonly bigcommerce: readonly string[];
  /** Optional providers: with no secret (absent or empty) the provider is not configured. */
  readonly github?: readonly string[];
  readonly shopify?: readonly string[];
  readonly standardWebhooks?: readonly string[];
}

/**
 * Stripe and BigCommerce are always configured; GitHub, Shopify and Standard Webhooks only when
 * they have a secret, so a deployment that does not use one answers 404 unknown_provider for it.
 * @throws ConfigurationError when a configured provider has no usable secret.
 */
export function createProviders(secrets: ProviderSecrets): ReadonlyMap<string, Provider> {
  const configured = (list: readonly string[] | undefined): list is readonly string[] =>
    list !== undefined && list.length > 0;
  const providers: Provider[] = [
    createStripeProvider({ secrets: secrets.stripe }),
    createBigCommerceProvider({ clientSecrets: secrets.bigcommerce }),
  ];
  if (configured(secrets.github)) providers.push(createGitHubProvider({ secrets: secrets.github }));
  if (configured(secrets.shopify)) {
    providers.push(createShopifyProvider({ clientSecrets: secrets.shopify }));
  }
  if (configured(secrets.standardWebhooks)) {
    providers.push(createStandardWebhooksProvider({ secrets: secrets.standardWebhooks }));
  }
  return new Map(providers.map((provider) => [provider.name, provider]));
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
