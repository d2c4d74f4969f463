import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ProviderDescriptor } from '../services/providers/provider.js';
import { PROVIDERS } from '../services/providers/registry.js';
import { secretParameterVariable } from './function-settings.js';
import type { Profile } from './profile.js';

/**
 * Gives a function the secrets of every registered provider (services/providers/registry.ts).
 * `environment` (the `local` profile): the values themselves go into its environment, the
 * developer's own (`secretOverrides`) or the development defaults, not secret. `ssm` (the `aws`
 * profile): only the names of the SSM SecureString parameters (`<VARIABLE>_PARAMETER`), with
 * `ssm:GetParameter(s)` on exactly those parameters; the function reads and decrypts them once per
 * container. A provider without a parameter is not deployed there (its path answers 404
 * unknown_provider). Parameters encrypted with the account's default key (`alias/aws/ssm`) need
 * no KMS grant.
 */
export function provideProviderSecrets(
  fn: LambdaFunction,
  profile: Profile,
  providers: readonly ProviderDescriptor[] = PROVIDERS,
): void {
  if (profile.secretsFrom === 'environment') {
    for (const { secret } of providers) {
      fn.addEnvironment(
        secret.variable,
        profile.secretOverrides?.[secret.variable] || secret.localDefault,
      );
    }
    return;
  }
  const stack = Stack.of(fn);
  const arns: string[] = [];
  for (const { secret } of providers) {
    if (secret.parameterName === undefined) continue;
    fn.addEnvironment(secretParameterVariable(secret.variable), secret.parameterName);
    arns.push(
      stack.formatArn({
        service: 'ssm',
        resource: 'parameter',
        // A parameter ARN is `parameter` followed by the name, whose leading slash it drops.
        resourceName: secret.parameterName.replace(/^\//, ''),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
  }
  if (arns.length === 0) return;
  Grant.addToPrincipal({
    grantee: fn,
    actions: ['ssm:GetParameters', 'ssm:GetParameter'],
    resourceArns: arns,
  });
}
