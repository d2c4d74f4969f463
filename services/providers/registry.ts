import { UnknownProviderError } from '../shared/errors.js';
import { createBigCommerceProvider } from './bigcommerce.js';
import type { Provider } from './provider.js';
import { createStripeProvider } from './stripe.js';

/** The name comes from the request path, so only a short, inert excerpt of it reaches messages. */
const MAX_ECHOED_NAME_LENGTH = 32;

export interface ProviderSecrets {
  readonly stripe: readonly string[];
  readonly bigcommerce: readonly string[];
}

/** @throws ConfigurationError when a provider has no usable secret. */
export function createProviders(secrets: ProviderSecrets): ReadonlyMap<string, Provider> {
  const providers = [
    createStripeProvider({ secrets: secrets.stripe }),
    createBigCommerceProvider({ clientSecrets: secrets.bigcommerce }),
  ];
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
