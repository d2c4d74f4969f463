import { PROVIDER_REGISTRY, type ProviderName } from '../../services/providers/registry.js';

export type { ProviderName };

type Registry = typeof PROVIDER_REGISTRY;
type SignerOf<N extends ProviderName> = ReturnType<Registry[N]['create']>;

/** Providers whose official library signs synchronously (all but GitHub's). */
export type SyncProviderName = {
  [N in ProviderName]: ReturnType<SignerOf<N>['sign']> extends Promise<unknown> ? never : N;
}[ProviderName];

/** Each registered provider, signing with its local development secret. */
const signers = new Map<ProviderName, { sign: SignerOf<ProviderName>['sign'] }>();
function signer<N extends ProviderName>(provider: N): SignerOf<N> {
  let found = signers.get(provider);
  if (found === undefined) {
    const descriptor = PROVIDER_REGISTRY[provider];
    found = descriptor.create([descriptor.secret.localDefault]);
    signers.set(provider, found);
  }
  return found as SignerOf<N>;
}

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
export function signedHeaders<N extends ProviderName>(
  provider: N,
  rawBody: string,
  options: SignOptions = {},
): ReturnType<SignerOf<N>['sign']> {
  const input = {
    rawBody,
    timestamp: options.timestamp ?? new Date(),
    ...(options.eventId ? { eventId: options.eventId } : {}),
    ...(options.eventType ? { eventType: options.eventType } : {}),
  };
  return signer(provider).sign(input) as ReturnType<SignerOf<N>['sign']>;
}

/** The provider's own event id of a signed request (for deriving the webhook id in tests). */
export function providerEventId(
  provider: ProviderName,
  rawBody: string,
  headers: Record<string, string>,
): string {
  const id = PROVIDER_REGISTRY[provider].eventIdOf(rawBody, headers);
  if (id === undefined) throw new Error(`No ${provider} event id in this request.`);
  return id;
}
