import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../../services/providers/registry.js';
import { resolveProfile } from '../../../stack/profile.js';
import { provideProviderSecrets } from '../../../stack/provider-secrets.js';
import { acme } from '../../fixtures/acme-provider.js';
import { TEMPLATE_ONLY_APP } from './synth-context.js';

/** A bare function (no bundling) given the secrets of the registry plus the fixture provider. */
function synth(profileName: 'local' | 'aws', env: Record<string, string> = {}) {
  const stack = new Stack(new App(TEMPLATE_ONLY_APP), 'ProviderSecrets');
  const fn = new LambdaFunction(stack, 'Capture', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => {};'),
  });
  provideProviderSecrets(fn, resolveProfile(profileName, env), [...PROVIDERS, acme]);
  const template = Template.fromStack(stack);
  const [resource] = Object.values(template.findResources('AWS::Lambda::Function'));
  return { template, variables: resource!.Properties.Environment.Variables };
}

// Synthesis in a hook, as in the other stack tests: a process's first one (the CDK warming up)
// can outlast a test's own timeout on a busy machine.
const SYNTH_TIMEOUT_MS = 120_000;
let local: ReturnType<typeof synth>;
let localFromShell: ReturnType<typeof synth>;
let aws: ReturnType<typeof synth>;
beforeAll(() => {
  local = synth('local');
  localFromShell = synth('local', { ACME_WEBHOOK_SECRET: 'from_the_shell' });
  aws = synth('aws');
}, SYNTH_TIMEOUT_MS);

describe('provider secrets come from the descriptors', () => {
  it('local: a new descriptor gets its development default, or the value from the shell', () => {
    expect(local.variables.ACME_WEBHOOK_SECRET).toBe(acme.secret.localDefault);
    expect(localFromShell.variables.ACME_WEBHOOK_SECRET).toBe('from_the_shell');
  });

  it('aws: a new descriptor gets its parameter name and a grant on exactly that parameter', () => {
    const { template, variables } = aws;
    expect(variables.ACME_WEBHOOK_SECRET_PARAMETER).toBe(acme.secret.parameterName);
    expect(variables).not.toHaveProperty('ACME_WEBHOOK_SECRET');
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policy).toContain('parameter/webhook-receiver/acme-webhook-secret');
    // Optional providers without a parameter are not deployed to AWS.
    expect(variables).not.toHaveProperty('GITHUB_WEBHOOK_SECRET_PARAMETER');
  });
});
