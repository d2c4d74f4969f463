/**
 * Stripe's official webhook verification (the `stripe` package's own `Webhooks` module), without
 * the rest of the package.
 *
 * `import Stripe from 'stripe'` loads every API resource the SDK has (≈ 260 KB once bundled), and
 * the package's `exports` map offers no entry point for its webhooks module alone. So this file
 * builds `Stripe.webhooks` exactly as the package's own Node entry does
 * (`Stripe.webhooks = createWebhooks(platformFunctions)` in `stripe.core.js`, with
 * `NodePlatformFunctions`), importing those modules by file: same code, same error classes, a
 * third of the size. The paths are relative because `exports` would refuse the subpaths; `stripe`
 * is a direct dependency, so npm always installs it at the project's `node_modules/stripe`.
 * tests/unit/providers/stripe-webhooks.test.ts checks this against the package's entry point.
 */
import { StripeSignatureVerificationError } from '../../node_modules/stripe/esm/Error.js';
import { NodePlatformFunctions } from '../../node_modules/stripe/esm/platform/NodePlatformFunctions.js';
import { createWebhooks } from '../../node_modules/stripe/esm/Webhooks.js';

export const webhooks = createWebhooks(new NodePlatformFunctions());

export { StripeSignatureVerificationError };
