import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveProfile } from '../../../stack/profile.js';
import { STACK_NAME, WebhookStack } from '../../../stack/webhook-stack.js';

// Synthesis bundles four functions with esbuild: allow for a slow machine.
const SYNTH_TIMEOUT_MS = 120_000;

/**
 * Bytes of each function's `index.mjs` as the stack ships it. The capture budget is issue 6's
 * target (300 KB); the others have room to grow but would notice a whole SDK slipping in.
 */
const BUDGET: Record<string, number> = {
  CaptureFunction: 300_000,
  ProcessFunction: 150_000,
  RetryFunction: 150_000,
  SweepFunction: 150_000,
};

const bundles = new Map<string, string>();

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  new WebhookStack(app, STACK_NAME, { profile: resolveProfile('local', {}) });
  const assembly = app.synth();
  const template = assembly.getStackByName(STACK_NAME).template as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = Object.keys(BUDGET).find((prefix) => id.startsWith(prefix));
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (!name || !assetPath) throw new Error(`unexpected function ${id} (asset ${assetPath})`);
    bundles.set(name, readFileSync(join(assembly.directory, assetPath, 'index.mjs'), 'utf8'));
  }
}, SYNTH_TIMEOUT_MS);

describe('function bundles', () => {
  it('exist for every function', () => {
    expect([...bundles.keys()].sort()).toEqual(Object.keys(BUDGET).sort());
  });

  it.each(Object.entries(BUDGET))('%s stays within %i bytes', (name, budget) => {
    expect(Buffer.byteLength(bundles.get(name) ?? '')).toBeLessThanOrEqual(budget);
  });

  it("carry Stripe's webhook verification but none of its API resources", () => {
    const capture = bundles.get('CaptureFunction') ?? '';
    // A string from stripe's Webhooks module, and one only its API resources contain.
    // Booleans, not toContain: a failure would otherwise print the whole bundle.
    const has = (text: string) => capture.includes(text);
    expect(has('No signatures found matching the expected signature for payload')).toBe(true);
    expect(has('/v1/payment_intents')).toBe(false);
  });
});
