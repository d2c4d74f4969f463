import { Duration, RemovalPolicy } from 'aws-cdk-lib';

export type ProfileName = 'local' | 'aws';

/**
 * What differs between running locally (embedded emulator, LocalStack) and on AWS: numbers,
 * never the shape of the stack. Local retries take seconds so a failing webhook is dead in
 * under half a minute; on AWS they leave room for a downstream outage to pass.
 */
export interface Profile {
  readonly name: ProfileName;
  readonly captureTimeout: Duration;
  readonly processTimeout: Duration;
  /** At least the retry function's timeout (a Lambda requirement) and longer than the lease. */
  readonly failedQueueVisibilityTimeout: Duration;
  readonly deadLetterRetention: Duration;
  /**
   * How long an attempt owns a webhook: longer than the processing functions' timeout (a live
   * attempt is never taken over) and shorter than the queue's visibility timeout (a crashed
   * retry's lease has run out when SQS delivers its message again).
   */
  readonly leaseSeconds: number;
  /** How long webhooks are kept, longer than any sender retries (Stripe: three days). */
  readonly retentionDays: number;
  readonly streamRetryAttempts: number;
  readonly logLevel: string;
  /** Test hook for the failure path; never on in `aws` (asserted on the template). */
  readonly faultInjection: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** Provider secrets for the local profile only; see `secretsFor`. */
  readonly localSecrets?: { readonly stripe: string; readonly bigcommerce: string };
}

/** Local development secrets: not secret, documented in the README and .env.example. */
export const LOCAL_DEFAULT_SECRETS = {
  stripe: 'whsec_local_stripe_dev_secret',
  bigcommerce: 'local_bigcommerce_client_secret',
} as const;

export function resolveProfile(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Profile {
  if (name === 'local') {
    return {
      name,
      captureTimeout: Duration.seconds(10),
      processTimeout: Duration.seconds(5),
      failedQueueVisibilityTimeout: Duration.seconds(8),
      deadLetterRetention: Duration.days(14),
      leaseSeconds: 6,
      retentionDays: 7,
      streamRetryAttempts: 10,
      logLevel: env.LOG_LEVEL ?? 'info',
      faultInjection: env.FAULT_INJECTION === '1',
      removalPolicy: RemovalPolicy.DESTROY,
      localSecrets: {
        stripe: env.STRIPE_WEBHOOK_SECRET || LOCAL_DEFAULT_SECRETS.stripe,
        bigcommerce: env.BIGCOMMERCE_CLIENT_SECRET || LOCAL_DEFAULT_SECRETS.bigcommerce,
      },
    };
  }
  if (name === 'aws') {
    return {
      name,
      captureTimeout: Duration.seconds(10),
      processTimeout: Duration.seconds(30),
      failedQueueVisibilityTimeout: Duration.seconds(180),
      deadLetterRetention: Duration.days(14),
      leaseSeconds: 60,
      retentionDays: 30,
      streamRetryAttempts: 10,
      logLevel: 'info',
      faultInjection: false,
      removalPolicy: RemovalPolicy.RETAIN,
    };
  }
  throw new Error(`Unknown stack profile "${name}": use "local" or "aws".`);
}
