import { createBigCommerceProvider } from '../../services/providers/bigcommerce.js';
import { createGitHubProvider } from '../../services/providers/github.js';
import type { MaybePromise } from '../../services/providers/provider.js';
import { createShopifyProvider } from '../../services/providers/shopify.js';
import { createStandardWebhooksProvider } from '../../services/providers/standard-webhooks.js';
import { createStripeProvider } from '../../services/providers/stripe.js';
import { LOCAL_DEFAULT_SECRETS } from '../../stack/profile.js';

/** Providers whose official library signs synchronously. */
export type SyncProviderName = 'stripe' | 'bigcommerce' | 'shopify' | 'standard-webhooks';
export type ProviderName = SyncProviderName | 'github';

const syncProviders = {
  stripe: createStripeProvider({ secrets: [LOCAL_DEFAULT_SECRETS.stripe] }),
  bigcommerce: createBigCommerceProvider({ clientSecrets: [LOCAL_DEFAULT_SECRETS.bigcommerce] }),
  shopify: createShopifyProvider({ clientSecrets: [LOCAL_DEFAULT_SECRETS.shopify] }),
  'standard-webhooks': createStandardWebhooksProvider({
    secrets: [LOCAL_DEFAULT_SECRETS.standardWebhooks],
  }),
};
const github = createGitHubProvider({ secrets: [LOCAL_DEFAULT_SECRETS.github] });

export interface SignOptions {
  timestamp?: Date;
  eventId?: string;
  /** Needed by GitHub (`x-github-event`) and Shopify (`x-shopify-topic`). */
  eventType?: string;
}

/**
 * Headers a real sender would attach to this body, signed with the local default secrets. GitHub's
 * library signs asynchronously, so its headers come as a promise; `await` works for every provider.
 */
export function signedHeaders(
  provider: SyncProviderName,
  rawBody: string,
  options?: SignOptions,
): Record<string, string>;
export function signedHeaders(
  provider: 'github',
  rawBody: string,
  options?: SignOptions,
): Promise<Record<string, string>>;
export function signedHeaders(
  provider: ProviderName,
  rawBody: string,
  options?: SignOptions,
): MaybePromise<Record<string, string>>;
export function signedHeaders(
  provider: ProviderName,
  rawBody: string,
  options: SignOptions = {},
): MaybePromise<Record<string, string>> {
  const input = {
    rawBody,
    timestamp: options.timestamp ?? new Date(),
    ...(options.eventId ? { eventId: options.eventId } : {}),
    ...(options.eventType ? { eventType: options.eventType } : {}),
  };
  return provider === 'github' ? github.sign(input) : syncProviders[provider].sign(input);
}

/** The provider's own event id of a signed request (for deriving the webhook id in tests). */
export function providerEventId(
  provider: ProviderName,
  rawBody: string,
  headers: Record<string, string>,
): string {
  switch (provider) {
    case 'stripe':
      return (JSON.parse(rawBody) as { id: string }).id;
    case 'github':
      return headers['x-github-delivery']!;
    case 'shopify':
      return headers['x-shopify-webhook-id']!;
    case 'bigcommerce':
    case 'standard-webhooks':
      return headers['webhook-id']!;
  }
}
