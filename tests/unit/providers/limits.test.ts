import { describe, expect, it } from 'vitest';
import {
  createProviders,
  PROVIDER_REGISTRY,
  PROVIDERS,
  type ProviderName,
} from '../../../services/providers/registry.js';
import { InvalidEventError, SignatureVerificationError } from '../../../services/shared/errors.js';
import { CATALOGUE_BY_PROVIDER } from '../../../tools/signing-proxy/catalogue/catalogues.js';
import { signedHeaders } from '../../../tools/signing-proxy/signed-request.js';

const providers = createProviders(
  Object.fromEntries(PROVIDERS.map((d) => [d.name, [d.secret.localDefault]])),
);
const NAMES = Object.keys(PROVIDER_REGISTRY) as ProviderName[];

/** A real event of this provider, signed with the local secret, with this event id. */
async function signed(name: ProviderName, eventId: string) {
  const catalogue = CATALOGUE_BY_PROVIDER[name];
  const [eventType, entry] = Object.entries(catalogue.events)[0]!;
  const event = entry.build(name === 'stripe' ? { overrides: { id: eventId } } : {});
  const rawBody = JSON.stringify(event.body);
  const headers = await signedHeaders(name, rawBody, { eventId, eventType });
  return { rawBody, headers };
}

async function rejection(promise: () => unknown): Promise<unknown> {
  try {
    await promise();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('one rule for each limit, for every provider', () => {
  it.each(NAMES)(
    '%s: an event id of 128 characters is accepted, 129 refused (400)',
    async (name) => {
      const prefix = name === 'stripe' ? 'evt_' : '';
      const fits = `${prefix}${'a'.repeat(128 - prefix.length)}`;
      const ok = await signed(name, fits);
      const verified = await providers.get(name)!.verify({ ...ok, receivedAt: new Date() });
      expect(verified.eventId).toBe(fits);

      const long = await signed(name, `${fits}b`);
      const error = await rejection(() =>
        providers.get(name)!.verify({ ...long, receivedAt: new Date() }),
      );
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).context).toMatchObject({ reason: 'event_id_too_long' });
    },
  );

  it.each(NAMES)(
    '%s: an empty body is refused as unsigned (401), whatever the headers',
    async (name) => {
      const { headers } = await signed(name, name === 'stripe' ? 'evt_empty' : 'empty-body');
      const error = await rejection(() =>
        providers.get(name)!.verify({ rawBody: '', headers, receivedAt: new Date() }),
      );
      expect(error).toBeInstanceOf(SignatureVerificationError);
      expect((error as SignatureVerificationError).context).toMatchObject({ reason: 'empty_body' });
    },
  );
});
