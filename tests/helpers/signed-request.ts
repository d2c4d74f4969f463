import { createBigCommerceProvider } from '../../services/providers/bigcommerce.js';
import { createStripeProvider } from '../../services/providers/stripe.js';
import { LOCAL_DEFAULT_SECRETS } from '../../stack/profile.js';

export type ProviderName = 'stripe' | 'bigcommerce';

const providers = {
  stripe: createStripeProvider({ secrets: [LOCAL_DEFAULT_SECRETS.stripe] }),
  bigcommerce: createBigCommerceProvider({ clientSecrets: [LOCAL_DEFAULT_SECRETS.bigcommerce] }),
};

/** Headers a real sender would attach to this body, signed with the local default secrets. */
export function signedHeaders(
  provider: ProviderName,
  rawBody: string,
  options: { timestamp?: Date; eventId?: string } = {},
): Record<string, string> {
  return providers[provider].sign({
    rawBody,
    timestamp: options.timestamp ?? new Date(),
    ...(options.eventId ? { eventId: options.eventId } : {}),
  });
}

/** The provider's own event id of a signed request (for deriving the webhook id in tests). */
export function providerEventId(
  provider: ProviderName,
  rawBody: string,
  headers: Record<string, string>,
): string {
  return provider === 'stripe'
    ? (JSON.parse(rawBody) as { id: string }).id
    : headers['webhook-id']!;
}
