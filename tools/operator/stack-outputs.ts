import {
  CloudFormationClient,
  type CloudFormationClientConfig,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { STACK_NAME } from '../../stack/stack-name.js';

/** Where a deployed stack runs: LocalStack (deployed with cdklocal) or an AWS account (cdk deploy). */
export type RemoteTarget = 'localstack' | 'aws';

type Env = Readonly<Record<string, string | undefined>>;

/** LocalStack's default credentials and region, as cdklocal uses them. */
const LOCALSTACK_DEFAULTS = {
  endpoint: 'http://localhost.localstack.cloud:4566',
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

/**
 * The SDK settings every client needs for a target. LocalStack: the endpoint the SDK reads
 * itself from `AWS_ENDPOINT_URL` (in compose, `http://localstack:4566`) or a service's own
 * `AWS_ENDPOINT_URL_<SERVICE>`; with neither, `http://localhost.localstack.cloud:4566` (which
 * resolves to 127.0.0.1, LocalStack's published port). AWS: the SDK's default chain
 * (AWS_PROFILE, AWS_REGION, SSO, …), untouched.
 */
export function remoteClientConfig(target: RemoteTarget, env: Env = process.env) {
  if (target === 'aws') return {};
  return {
    ...(env.AWS_ENDPOINT_URL ? {} : { endpoint: LOCALSTACK_DEFAULTS.endpoint }),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || LOCALSTACK_DEFAULTS.region,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID || LOCALSTACK_DEFAULTS.credentials.accessKeyId,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY || LOCALSTACK_DEFAULTS.credentials.secretAccessKey,
    },
  };
}

export class StackNotDeployedError extends Error {
  override readonly name = 'StackNotDeployedError';
}

/** The stack's name: `E2E_STACK_NAME` if set, else the one name every target deploys. */
export function stackName(env: Env = process.env): string {
  return env.E2E_STACK_NAME || STACK_NAME;
}

/**
 * The deployed stack's outputs (`aws cloudformation describe-stacks`), by output key. Every
 * endpoint and resource name a client needs comes from here, never from a name spelled in code.
 *
 * @throws StackNotDeployedError when the stack is missing or not in a usable state.
 */
export async function readStackOutputs(
  target: RemoteTarget,
  options: { env?: Env; config?: CloudFormationClientConfig } = {},
): Promise<Record<string, string>> {
  const env = options.env ?? process.env;
  const name = stackName(env);
  const client = new CloudFormationClient({
    ...remoteClientConfig(target, env),
    ...options.config,
  });
  const hint =
    target === 'localstack'
      ? 'Deploy it with `docker compose up deployer` (see docs/targets.md).'
      : 'Deploy it with `npm run deploy` (see docs/deploy.md), with the same AWS_PROFILE/AWS_REGION.';
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: name }));
    const stack = Stacks[0];
    const status = stack?.StackStatus ?? 'MISSING';
    if (!/_COMPLETE$/.test(status) || /ROLLBACK_COMPLETE$|^DELETE_/.test(status)) {
      throw new StackNotDeployedError(`Stack ${name} on ${target} is ${status}. ${hint}`);
    }
    return Object.fromEntries(
      (stack?.Outputs ?? [])
        .filter((o) => o.OutputKey && o.OutputValue !== undefined)
        .map((o) => [o.OutputKey!, o.OutputValue!]),
    );
  } catch (error) {
    if (error instanceof StackNotDeployedError) throw error;
    throw new StackNotDeployedError(
      `Could not read stack ${name} on ${target}: ${(error as Error).message}. ${hint}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
