import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  StripeSignatureVerificationError,
  webhooks,
} from '../../../services/providers/stripe-webhooks.js';

/*
 * services/providers/stripe-webhooks.ts builds Stripe's webhooks module from files inside the
 * package, because no public entry point offers it without every API resource. That depends on
 * the package's layout, so the version is pinned and these tests fail on any upgrade until the
 * module has been checked against the new version.
 */

const root = new URL('../../../', import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const SECRET = 'whsec_unitTestStripeWebhooksModule0123456789';

describe("the stripe package's webhooks module, imported by file", () => {
  it('is the pinned version: upgrading stripe means checking stripe-webhooks.ts again', () => {
    const pinned = read('package.json').dependencies.stripe;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(read('node_modules/stripe/package.json').version).toBe(pinned);
    expect(pinned).toBe('23.1.0');
  });

  it("throws the package's own error class, the one its public entry point exports", () => {
    expect(StripeSignatureVerificationError).toBe(Stripe.errors.StripeSignatureVerificationError);
  });

  it('signs and verifies exactly as the public entry point does', () => {
    const payload = '{"id":"evt_1","object":"event"}';
    const timestamp = 1_750_000_000;
    const ours = webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp });
    const theirs = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp });
    expect(ours).toBe(theirs);
    expect(Stripe.webhooks.signature?.verifyHeader(payload, ours, SECRET, 0, undefined, 0)).toBe(
      true,
    );
  });

  it('checks only the signature when the tolerance is 0 (the provider checks the time itself)', () => {
    const payload = '{"id":"evt_1"}';
    const header = webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: 1 });
    expect(
      webhooks.signature?.verifyHeader(payload, header, SECRET, 0, undefined, Date.now()),
    ).toBe(true);
    expect(() =>
      webhooks.signature?.verifyHeader(`${payload} `, header, SECRET, 0, undefined, Date.now()),
    ).toThrow(StripeSignatureVerificationError);
  });
});
