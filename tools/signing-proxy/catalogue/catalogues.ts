import { bigcommerceCatalogue } from './bigcommerce.js';
import { githubCatalogue } from './github.js';
import type { ProviderCatalogue } from './provider-catalogue.js';
import { shopifyCatalogue } from './shopify.js';
import { standardWebhooksCatalogue } from './standard-webhooks.js';
import { stripeCatalogue } from './stripe.js';

/**
 * Every sender the signing proxy can imitate. To add one, write a `ProviderCatalogue` in its own
 * file (see stripe.ts) and list it here; the proxy, the CLI and scenarios pick it up.
 */
export const CATALOGUES: readonly ProviderCatalogue[] = [
  stripeCatalogue,
  bigcommerceCatalogue,
  githubCatalogue,
  shopifyCatalogue,
  standardWebhooksCatalogue,
];
