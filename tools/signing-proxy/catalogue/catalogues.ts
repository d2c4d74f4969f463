import type { ProviderName } from '../../../services/providers/registry.js';
import { bigcommerceCatalogue } from './bigcommerce.js';
import { githubCatalogue } from './github.js';
import type { ProviderCatalogue } from './provider-catalogue.js';
import { shopifyCatalogue } from './shopify.js';
import { standardWebhooksCatalogue } from './standard-webhooks.js';
import { stripeCatalogue } from './stripe.js';

/**
 * Every sender the signing proxy can imitate, keyed by the receiver's provider name: this does
 * not compile while a registered provider (services/providers/registry.ts) has no catalogue. To
 * add one, write a `ProviderCatalogue` in its own file (see stripe.ts) and key it here; the
 * proxy, the CLI and scenarios pick it up.
 */
export const CATALOGUE_BY_PROVIDER: { readonly [N in ProviderName]: ProviderCatalogue<N> } = {
  stripe: stripeCatalogue,
  bigcommerce: bigcommerceCatalogue,
  github: githubCatalogue,
  shopify: shopifyCatalogue,
  'standard-webhooks': standardWebhooksCatalogue,
};

export const CATALOGUES: readonly ProviderCatalogue[] = Object.values(CATALOGUE_BY_PROVIDER);
