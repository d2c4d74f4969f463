import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblyKey, synthesizeLocalStackCached } from '../../../emulator/synthesize.js';
import { resourcesOfType } from '../../../emulator/template.js';

// Each miss synthesizes the stack and bundles four functions.
const SYNTH_TIMEOUT_MS = 120_000;
const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const cacheDir = join(PROJECT_ROOT, 'cdk.out', `test-synth-cache-${process.pid}`);

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function captureHandlerFile(assemblyDir: string, template: Parameters<typeof resourcesOfType>[0]) {
  const [, capture] = resourcesOfType(template, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith('CaptureFunction'),
  )!;
  return join(assemblyDir, String(capture.Metadata?.['aws:asset:path']), 'index.mjs');
}

describe('the assembly cache key', () => {
  it('is stable for the same inputs and changes with the profile', () => {
    expect(assemblyKey({})).toBe(assemblyKey({}));
    // Variables the local profile does not read change nothing.
    expect(assemblyKey({ UNRELATED: 'x' })).toBe(assemblyKey({}));
    expect(assemblyKey({ FAULT_INJECTION: '1' })).not.toBe(assemblyKey({}));
    expect(assemblyKey({ STRIPE_WEBHOOK_SECRET: 'whsec_other' })).not.toBe(assemblyKey({}));
  });
});

describe('synthesizeLocalStackCached', () => {
  it(
    'synthesizes once, then reuses the entry while the inputs are unchanged',
    async () => {
      const first = await synthesizeLocalStackCached({ cacheDir, env: {} });
      expect(first).toMatchObject({ cached: false, temporary: false });
      expect(first.assemblyDir).toBe(join(cacheDir, assemblyKey({})));
      expect(existsSync(captureHandlerFile(first.assemblyDir, first.template))).toBe(true);

      const second = await synthesizeLocalStackCached({ cacheDir, env: {} });
      expect(second).toMatchObject({ cached: true, temporary: false });
      expect(second.assemblyDir).toBe(first.assemblyDir);
      expect(second.template).toEqual(first.template);
      // Only the entry: no half-written `.new-` directory is left behind.
      expect(readdirSync(cacheDir)).toEqual([assemblyKey({})]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'replaces an incomplete entry, and removes entries idle for a day',
    async () => {
      const { assemblyDir, template } = await synthesizeLocalStackCached({ cacheDir, env: {} });
      unlinkSync(captureHandlerFile(assemblyDir, template));
      const idle = join(cacheDir, 'idle-entry');
      mkdirSync(idle);
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      utimesSync(idle, twoDaysAgo, twoDaysAgo);

      const rewritten = await synthesizeLocalStackCached({ cacheDir, env: {} });
      expect(rewritten).toMatchObject({ cached: false, temporary: false, assemblyDir });
      expect(existsSync(captureHandlerFile(assemblyDir, template))).toBe(true);
      expect(existsSync(idle)).toBe(false);
    },
    SYNTH_TIMEOUT_MS,
  );
});
