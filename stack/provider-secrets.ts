import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Profile } from './profile.js';

/** The environment variable each provider's secret is read from (services/shared/config.ts). */
export const PROVIDER_SECRET_VARIABLES = {
  stripe: 'STRIPE_WEBHOOK_SECRET',
  bigcommerce: 'BIGCOMMERCE_CLIENT_SECRET',
} as const;

/**
 * Providers that are configured only where they have a secret (services/providers/registry.ts).
 * The `local` profile gives each its development default; the `aws` profile none yet, so a
 * deployed stack answers 404 unknown_provider for them.
 */
export const OPTIONAL_PROVIDER_SECRET_VARIABLES = {
  github: 'GITHUB_WEBHOOK_SECRET',
  shopify: 'SHOPIFY_CLIENT_SECRET',
  standardWebhooks: 'STANDARD_WEBHOOKS_SECRET',
} as const;

/**
 * Gives a function the provider secrets. In `local` the values themselves go into its
 * environment (development defaults, not secret). In `aws` only the names of the SSM
 * SecureString parameters do (`<VARIABLE>_PARAMETER`), with `ssm:GetParameter(s)` on exactly
 * those parameters; the function reads and decrypts them once per container. Parameters
 * encrypted with the account's default key (`alias/aws/ssm`) need no KMS grant.
 */
export function provideProviderSecrets(fn: LambdaFunction, profile: Profile): void {
  if (profile.localSecrets) {
    for (const [provider, variable] of entries(PROVIDER_SECRET_VARIABLES)) {
      fn.addEnvironment(variable, profile.localSecrets[provider]);
    }
    for (const [provider, variable] of entries(OPTIONAL_PROVIDER_SECRET_VARIABLES)) {
      fn.addEnvironment(variable, profile.localSecrets[provider]);
    }
  }
  if (profile.secretParameters) {
    const stack = Stack.of(fn);
    const arns: string[] = [];
    for (const [provider, variable] of entries(PROVIDER_SECRET_VARIABLES)) {
      const parameterName = profile.secretParameters[provider];
      fn.addEnvironment(`${variable}_PARAMETER`, parameterName);
      arns.push(
        stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          // A parameter ARN is `parameter` followed by the name, whose leading slash it drops.
          resourceName: parameterName.replace(/^\//, ''),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      );
    }
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['ssm:GetParameters', 'ssm:GetParameter'],
      resourceArns: arns,
    });
  }
}

function entries<T extends Record<string, string>>(record: T): Array<[keyof T, T[keyof T]]> {
  return Object.entries(record) as Array<[keyof T, T[keyof T]]>;
}
