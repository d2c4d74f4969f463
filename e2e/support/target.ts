import { createBigCommerceProvider } from '../../services/providers/bigcommerce.js';
import { localSecret, PROVIDER_REGISTRY } from '../../services/providers/registry.js';
import { createStripeProvider } from '../../services/providers/stripe.js';
import { type IngressSetting, parseIngressSetting } from './ingress.js';

/**
 * Which deployment of the stack the e2e suites run against (`E2E_TARGET`):
 * - `embedded` (default): the Docker-free local AWS, started in-process by each suite;
 * - `localstack`: the stack deployed into LocalStack by `docker compose up deployer`;
 * - `aws`: the stack deployed to an AWS account by `npm run deploy`.
 * Endpoints and resource names always come from the stack's outputs.
 */
export type E2ETarget = 'embedded' | 'localstack' | 'aws';

type Env = Readonly<Record<string, string | undefined>>;

export function parseTarget(value: string | undefined): E2ETarget {
  const target = value?.trim() || 'embedded';
  if (target === 'embedded' || target === 'localstack' || target === 'aws') return target;
  throw new Error(`E2E_TARGET must be embedded, localstack or aws, not "${value}"`);
}

/** What a test may rely on, per target; tests that need more run only where it holds. */
export interface TargetCapabilities {
  readonly target: E2ETarget;
  /**
   * The functions honour `x-fault-fail-attempts` / `x-fault-hang-attempts`. The embedded suite
   * turns it on; the compose deployer deploys LocalStack with `FAULT_INJECTION=1`
   * (`E2E_FAULT_INJECTION=0` says it was deployed without); the aws profile never has it.
   */
  readonly faultInjection: boolean;
  /** `stack.logs` holds the functions' log lines (embedded only: elsewhere they are in CloudWatch). */
  readonly functionLogs: boolean;
  /** The suite may start `npm start` itself (restart, sweeper, operator CLI): embedded only. */
  readonly localProcesses: boolean;
  /**
   * The stack has a function URL on the capture function: the `local` profile (embedded,
   * LocalStack) always; on AWS only when deployed with `STACK_INGRESS=function-url` or `both`,
   * read from this environment as the deploy read it.
   */
  readonly functionUrl: boolean;
  /**
   * Factor on every wait: Lambda containers on LocalStack and cold starts on AWS are slower than
   * the in-process emulator. `E2E_TIME_SCALE` overrides it.
   */
  readonly timeScale: number;
  /**
   * How webhooks reach the capture function (`E2E_INGRESS`, ./ingress.ts): `auto` (default) uses
   * the HTTP API when the stack has one, else the capture function's URL when it has one, else
   * invokes the function directly.
   */
  readonly ingress: IngressSetting;
}

export function capabilitiesOf(target: E2ETarget, env: Env = process.env): TargetCapabilities {
  const defaults = { embedded: 1, localstack: 3, aws: 3 } as const;
  const scale = Number(env.E2E_TIME_SCALE);
  return {
    target,
    faultInjection:
      target === 'embedded' || (target === 'localstack' && env.E2E_FAULT_INJECTION !== '0'),
    functionLogs: target === 'embedded',
    localProcesses: target === 'embedded',
    functionUrl:
      target !== 'aws' || env.STACK_INGRESS === 'function-url' || env.STACK_INGRESS === 'both',
    timeScale: Number.isFinite(scale) && scale > 0 ? scale : defaults[target],
    ingress: parseIngressSetting(env.E2E_INGRESS),
  };
}

/** This run's target and what it can do (read once: `it.runIf` needs it at collection time). */
export const TARGET: TargetCapabilities = capabilitiesOf(parseTarget(process.env.E2E_TARGET));

export type SigningProvider = 'stripe' | 'bigcommerce';

/**
 * The secrets the target's capture function verifies with, current first. Embedded and
 * LocalStack run the `local` profile, so they are what it resolves from this environment (the
 * documented development defaults unless overridden). AWS keeps them in SSM; the suite takes
 * the same values from `STRIPE_WEBHOOK_SECRET` / `BIGCOMMERCE_CLIENT_SECRET`.
 */
export function targetSecrets(
  target: E2ETarget,
  env: Env = process.env,
): Record<SigningProvider, string> {
  if (target !== 'aws') {
    return {
      stripe: localSecret(PROVIDER_REGISTRY.stripe, env),
      bigcommerce: localSecret(PROVIDER_REGISTRY.bigcommerce, env),
    };
  }
  const first = (name: string) => {
    const value = env[name]?.split(',')[0]?.trim();
    if (!value) {
      throw new Error(
        `E2E_TARGET=aws signs webhooks with the deployed secrets: set ${name} to the value stored in SSM (docs/deploy.md).`,
      );
    }
    return value;
  };
  return {
    stripe: first('STRIPE_WEBHOOK_SECRET'),
    bigcommerce: first('BIGCOMMERCE_CLIENT_SECRET'),
  };
}

let signers:
  | {
      stripe: ReturnType<typeof createStripeProvider>;
      bigcommerce: ReturnType<typeof createBigCommerceProvider>;
    }
  | undefined;

/**
 * Headers the provider would send with this body, signed with this target's secret, through the
 * receiver's own provider modules.
 */
export function signedHeaders(
  provider: SigningProvider,
  rawBody: string,
  options: { timestamp?: Date; eventId?: string } = {},
): Record<string, string> {
  if (!signers) {
    const secrets = targetSecrets(TARGET.target);
    signers = {
      stripe: createStripeProvider({ secrets: [secrets.stripe] }),
      bigcommerce: createBigCommerceProvider({ clientSecrets: [secrets.bigcommerce] }),
    };
  }
  return signers[provider].sign({
    rawBody,
    timestamp: options.timestamp ?? new Date(),
    ...(options.eventId ? { eventId: options.eventId } : {}),
  });
}

/** A wait scaled for this target. */
export function scaled(ms: number): number {
  return Math.round(ms * TARGET.timeScale);
}
