import { Duration, RemovalPolicy } from 'aws-cdk-lib';

export type ProfileName = 'local' | 'aws';

/**
 * How senders reach the capture function: API Gateway's HTTP API, a Lambda function URL (auth
 * `NONE`: the provider's signature is the authentication, as it is behind the HTTP API), or both.
 * Either way the function gets payload format 2.0 on `POST /api/webhooks/{provider}`.
 */
export type Ingress = 'http-api' | 'function-url' | 'both';

const INGRESSES: readonly Ingress[] = ['http-api', 'function-url', 'both'];

/**
 * What differs between running locally (embedded emulator, LocalStack) and on AWS: numbers,
 * never the shape of the stack. Local retries take seconds so a failing webhook is dead in
 * under half a minute; on AWS they leave room for a downstream outage to pass.
 */
export interface Profile {
  readonly name: ProfileName;
  /**
   * `local`: both, so the embedded emulator serves the HTTP API as before and the function URL
   * beside it, and LocalStack's free image (no API Gateway v2) still has a URL for senders.
   * `aws`: the HTTP API (docs/deploy.md compares the two). `STACK_INGRESS` overrides either.
   */
  readonly ingress: Ingress;
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
  /**
   * How many records of one stream batch the process function runs at once. On AWS all of a
   * batch: DynamoDB is not on the function's cores, and a batch then lasts as long as its slowest
   * record. Locally one at a time: DynamoDB Local shares two cores with capture, and running a
   * batch at once takes them from the senders' requests (docs/benchmarks.md measures both).
   */
  readonly streamRecordConcurrency: number;
  readonly logLevel: string;
  /** Test hook for the failure path; never on in `aws` (asserted on the template). */
  readonly faultInjection: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** The sweeper's schedule and how long before it calls a webhook stuck. */
  readonly sweep: {
    readonly every: Duration;
    readonly processingGraceSeconds: number;
    readonly failedAfterSeconds: number;
    readonly receivedAfterSeconds: number;
  };
  /** Provider secrets for the local profile only; see `secretsFor`. */
  readonly localSecrets?: {
    readonly stripe: string;
    readonly bigcommerce: string;
    readonly github: string;
    readonly shopify: string;
    readonly standardWebhooks: string;
  };
  /**
   * The `aws` profile's provider secrets: names of SSM SecureString parameters, which the
   * operator creates before deploying (docs/deploy.md). Only the names reach the template.
   */
  readonly secretParameters?: { readonly stripe: string; readonly bigcommerce: string };
}

/** Where the `aws` profile looks for the provider secrets in SSM Parameter Store. */
export const SECRET_PARAMETER_NAMES = {
  stripe: '/webhook-receiver/stripe-webhook-secret',
  bigcommerce: '/webhook-receiver/bigcommerce-client-secret',
} as const;

/** Local development secrets: not secret, documented in the README and .env.example. */
export const LOCAL_DEFAULT_SECRETS = {
  stripe: 'whsec_local_stripe_dev_secret',
  bigcommerce: 'local_bigcommerce_client_secret',
  github: 'github_local_webhook_secret',
  shopify: 'shopify_local_client_secret',
  /** `whsec_` + base64 of the 32 bytes "local-standard-webhooks-dev-key!". */
  standardWebhooks: 'whsec_bG9jYWwtc3RhbmRhcmQtd2ViaG9va3MtZGV2LWtleSE=',
} as const;

function positiveInteger(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`Expected a positive whole number, got "${value}".`);
  }
  return parsed;
}

function ingressSetting(value: string | undefined, fallback: Ingress): Ingress {
  if (value === undefined || value.trim() === '') return fallback;
  const ingress = value.trim() as Ingress;
  if (!INGRESSES.includes(ingress)) {
    throw new Error(`STACK_INGRESS must be ${INGRESSES.join(', ')}, not "${value}".`);
  }
  return ingress;
}

export function resolveProfile(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Profile {
  if (name === 'local') {
    return {
      name,
      ingress: ingressSetting(env.STACK_INGRESS, 'both'),
      captureTimeout: Duration.seconds(10),
      processTimeout: Duration.seconds(5),
      failedQueueVisibilityTimeout: Duration.seconds(8),
      deadLetterRetention: Duration.days(14),
      leaseSeconds: 6,
      retentionDays: 7,
      streamRetryAttempts: 10,
      streamRecordConcurrency: positiveInteger(env.STREAM_RECORD_CONCURRENCY, 1),
      logLevel: env.LOG_LEVEL ?? 'info',
      faultInjection: env.FAULT_INJECTION === '1',
      removalPolicy: RemovalPolicy.DESTROY,
      sweep: {
        every: Duration.minutes(1),
        processingGraceSeconds: 10,
        failedAfterSeconds: 30,
        receivedAfterSeconds: 60,
      },
      localSecrets: {
        stripe: env.STRIPE_WEBHOOK_SECRET || LOCAL_DEFAULT_SECRETS.stripe,
        bigcommerce: env.BIGCOMMERCE_CLIENT_SECRET || LOCAL_DEFAULT_SECRETS.bigcommerce,
        github: env.GITHUB_WEBHOOK_SECRET || LOCAL_DEFAULT_SECRETS.github,
        shopify: env.SHOPIFY_CLIENT_SECRET || LOCAL_DEFAULT_SECRETS.shopify,
        standardWebhooks: env.STANDARD_WEBHOOKS_SECRET || LOCAL_DEFAULT_SECRETS.standardWebhooks,
      },
    };
  }
  if (name === 'aws') {
    return {
      name,
      ingress: ingressSetting(env.STACK_INGRESS, 'http-api'),
      captureTimeout: Duration.seconds(10),
      processTimeout: Duration.seconds(30),
      failedQueueVisibilityTimeout: Duration.seconds(180),
      deadLetterRetention: Duration.days(14),
      leaseSeconds: 60,
      retentionDays: 30,
      streamRetryAttempts: 10,
      streamRecordConcurrency: 10,
      logLevel: 'info',
      faultInjection: false,
      removalPolicy: RemovalPolicy.RETAIN,
      sweep: {
        every: Duration.minutes(5),
        processingGraceSeconds: 120,
        failedAfterSeconds: 900,
        receivedAfterSeconds: 900,
      },
      secretParameters: SECRET_PARAMETER_NAMES,
    };
  }
  throw new Error(`Unknown stack profile "${name}": use "local" or "aws".`);
}
