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
 * The version is pinned (package.json): tests/unit/providers/stripe-webhooks.test.ts checks the
 * module against the package's public entry point and fails on any upgrade until it is checked
 * again. The provider (stripe.ts) classifies failures by its own parse of the header and this
 * module's error class, never by the library's message text.
 */
import { StripeSignatureVerificationError } from '../../node_modules/stripe/esm/Error.js';
import { NodePlatformFunctions } from '../../node_modules/stripe/esm/platform/NodePlatformFunctions.js';
import { createWebhooks } from '../../node_modules/stripe/esm/Webhooks.js';

export const webhooks = createWebhooks(new NodePlatformFunctions());

export { StripeSignatureVerificationError };
