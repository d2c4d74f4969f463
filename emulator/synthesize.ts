import { mkdirSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { resolveProfile } from '../stack/profile.js';
import { STACK_NAME, WebhookStack } from '../stack/webhook-stack.js';
import type { CfnTemplate } from './template.js';

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The cloud assembly directory: function assets live under it. */
  readonly assemblyDir: string;
}

/**
 * Synthesizes the one CDK stack, in the `local` profile, in this process: the same code path as
 * `cdk synth`, with the functions bundled by the local esbuild. The assembly must sit inside
 * the project so the bundles resolve the AWS SDK from node_modules, as Lambda resolves it from
 * its runtime.
 */
export function synthesizeLocalStack(options: {
  outdir: string;
  env?: Readonly<Record<string, string | undefined>>;
}): SynthesizedStack {
  mkdirSync(options.outdir, { recursive: true });
  // Asset metadata tells the emulator which directory holds each function's bundle; the CDK CLI
  // turns it on, an in-process App has to ask for it.
  const app = new App({
    outdir: options.outdir,
    context: { profile: 'local', 'aws:cdk:enable-asset-metadata': true },
  });
  new WebhookStack(app, STACK_NAME, {
    profile: resolveProfile('local', options.env ?? process.env),
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(STACK_NAME);
  return {
    stackName: STACK_NAME,
    template: artifact.template as CfnTemplate,
    assemblyDir: assembly.directory,
  };
}
