import type { AppProps } from 'aws-cdk-lib';

/**
 * CDK context for tests that read the template only: asset metadata on (as the CDK CLI has
 * it), and no stack selected for bundling, so the functions are not bundled with esbuild (most
 * of a synthesis' time). The CDK then stages a placeholder asset; every property of the
 * template is the same but the code's asset hash. The bundles themselves are checked where
 * they matter: the bundle budget test and every run of the emulator.
 */
export const TEMPLATE_ONLY_CONTEXT = {
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:bundling-stacks': [],
} as const;

/**
 * The App of those tests: that context, and without the CDK's built-in template validation (a
 * WebAssembly rules engine run on every synthesis). Unless `@aws-cdk/core:validateAgainstDefaultRules`
 * is set (it is not), it reports its findings as warnings and never fails a synthesis, so in a
 * test it checks nothing, and it was more than half of these files' CPU (the stack's unit file:
 * 19.9 s of CPU with it, 8.6 s without). Validation plugins a test adds (cdk-nag's AwsSolutions
 * pack) still run; `cdk synth`, `cdk deploy` and the `cdklocal synth` check keep the built-in one.
 */
export const TEMPLATE_ONLY_APP: AppProps = {
  context: TEMPLATE_ONLY_CONTEXT,
  builtinCloudFormationValidation: false,
};
