import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assemblyKey,
  type SynthesizedStack,
  synthesizeLocalStackCached,
} from '../../../emulator/synthesize.js';
import type { CfnTemplate } from '../../../emulator/template.js';
import { STACK_NAME } from '../../../stack/stack-name.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const cacheDir = join(PROJECT_ROOT, 'cdk.out', `test-synth-cache-${process.pid}`);

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/*
 * The cache's own logic, on a stand-in for the stack: a template with one function and its
 * handler file, written where the CDK would write them. Synthesizing and bundling the real
 * stack is covered where its result is used (the bundle budget, every emulator run).
 */
const TEMPLATE: CfnTemplate = {
  Resources: {
    TinyFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: 'index.handler' },
      Metadata: { 'aws:asset:path': 'asset.tiny' },
    },
  },
};
let synthesized = 0;
async function tinySynth(options: { outdir: string }): Promise<SynthesizedStack> {
  synthesized += 1;
  mkdirSync(join(options.outdir, 'asset.tiny'), { recursive: true });
  writeFileSync(join(options.outdir, `${STACK_NAME}.template.json`), JSON.stringify(TEMPLATE));
  writeFileSync(join(options.outdir, 'asset.tiny', 'index.mjs'), 'export const handler = () => 1;');
  return {
    stackName: STACK_NAME,
    template: TEMPLATE,
    assemblyDir: options.outdir,
    cached: false,
    temporary: true,
  };
}
const synthesize = () => synthesizeLocalStackCached({ cacheDir, env: {}, synthesize: tinySynth });
const handlerFile = (assemblyDir: string) => join(assemblyDir, 'asset.tiny', 'index.mjs');

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
  it('synthesizes once, then reuses the entry while the inputs are unchanged', async () => {
    const before = synthesized;
    const first = await synthesize();
    expect(first).toMatchObject({ cached: false, temporary: false });
    expect(first.assemblyDir).toBe(join(cacheDir, assemblyKey({})));
    expect(existsSync(handlerFile(first.assemblyDir))).toBe(true);

    const second = await synthesize();
    expect(second).toMatchObject({ cached: true, temporary: false });
    expect(second.assemblyDir).toBe(first.assemblyDir);
    expect(second.template).toEqual(first.template);
    expect(synthesized - before).toBe(1);
    // Only the entry: no half-written `.new-` directory is left behind.
    expect(readdirSync(cacheDir)).toEqual([assemblyKey({})]);
  });

  it('replaces an incomplete entry, and removes entries idle for a day', async () => {
    const { assemblyDir } = await synthesize();
    unlinkSync(handlerFile(assemblyDir));
    const idle = join(cacheDir, 'idle-entry');
    mkdirSync(idle);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(idle, twoDaysAgo, twoDaysAgo);

    const rewritten = await synthesize();
    expect(rewritten).toMatchObject({ cached: false, temporary: false, assemblyDir });
    expect(existsSync(handlerFile(assemblyDir))).toBe(true);
    expect(existsSync(idle)).toBe(false);
  });
});
