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
