import { bigcommerceCatalogue } from './bigcommerce.js';
import type { ProviderCatalogue } from './provider-catalogue.js';
import { stripeCatalogue } from './stripe.js';

/**
 * Every sender the signing proxy can imitate. To add one, write a `ProviderCatalogue` in its own
 * file (see stripe.ts) and list it here; the proxy, the CLI and scenarios pick it up.
 */
export const CATALOGUES: readonly ProviderCatalogue[] = [stripeCatalogue, bigcommerceCatalogue];
