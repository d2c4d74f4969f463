import { InvalidEventError, SignatureVerificationError } from '../shared/errors.js';
import type { Provider, VerifiedEvent, VerifyInput } from './provider.js';

/**
 * The longest event id any provider may give (GitHub's and Shopify's delivery ids are GUIDs,
 * Stripe's `evt_…` about 30 characters): the id goes into keys, logs and every operator view.
 */
export const MAX_EVENT_ID_LENGTH = 128;

/**
 * The limits every provider shares, applied around its own `verify` so that no provider can
 * forget one:
 * - an empty body is 401 invalid_signature for every provider, before any signature check.
 *   Nothing was signed that could be an event, and 400 in this API means "the signature verified
 *   but the body is not an event", which we never learnt; a sender that really signed an empty
 *   body has a bug that a retry will not fix either way.
 * - an event id over 128 characters is 400 invalid_event, after verification (the sender is
 *   known, its event is not acceptable).
 */
export function withSharedLimits(provider: Provider): Provider {
  return {
    ...provider,
    async verify(input: VerifyInput): Promise<VerifiedEvent> {
      if (input.rawBody.length === 0) {
        throw new SignatureVerificationError(
          'The request body is empty: nothing was signed. Are you passing the raw request body?',
          { context: { provider: provider.name, reason: 'empty_body' } },
        );
      }
      const event = await provider.verify(input);
      if (event.eventId.length > MAX_EVENT_ID_LENGTH) {
        throw new InvalidEventError(
          `The ${provider.name} event id is ${event.eventId.length} characters long; this ` +
            `receiver takes at most ${MAX_EVENT_ID_LENGTH}.`,
          {
            context: {
              provider: provider.name,
              reason: 'event_id_too_long',
              length: event.eventId.length,
            },
          },
        );
      }
      return event;
    },
  };
}
