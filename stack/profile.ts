/*
 * Numbers only: no aws-cdk-lib here, so the operator CLI, the bench, the sweeper and the functions
 * import the profile without loading the CDK (seconds and days are plain numbers; the stack turns
 * them into `Duration`s).
 */

export type ProfileName = 'local' | 'aws';

/**
 * The failed queue's redrive policy: the third receive moves a message to the DLQ. Part of the
 * stack's shape (one attempt from the stream, two retries), so the same in every profile.
 */
export const MAX_RECEIVE_COUNT = 2;

/**
 * The largest webhook body, as the invocation event carries it: a synchronous Lambda invocation
 * takes at most 6 MB (6,291,456 bytes) of request, event envelope included. The envelope is
 * bounded by the HTTP API's 10,240 bytes of request line and headers plus the request context;
 * 16 KiB is set aside for it. A body the gateway base64-encodes (any content type but text,
 * JSON, XML and JavaScript) is 4/3 of its bytes in the event: at most 4,706,304 bytes of body. A
 * JSON or text body is carried as a JSON string: about 6.2 MB, less its escaping.
 */
export const MAX_EVENT_BODY_BYTES = 6 * 1024 * 1024 - 16 * 1024;

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
   * `aws`: the HTTP API (docs/deploy.md compares the two). `STACK_INGRESS` (or `cdk -c ingress=`)
   * overrides either: the one setting the `aws` profile takes from the shell.
   */
  readonly ingress: Ingress;
  readonly captureTimeoutSeconds: number;
  readonly processTimeoutSeconds: number;
  /** At least the retry function's timeout (a Lambda requirement) and longer than the lease. */
  readonly failedQueueVisibilityTimeoutSeconds: number;
  readonly deadLetterRetentionDays: number;
  /**
   * How long an attempt owns a webhook: longer than the processing functions' timeout (a live
   * attempt is never taken over) and shorter than the queue's visibility timeout (a crashed
   * retry's lease has run out when SQS delivers its message again).
   */
  readonly leaseSeconds: number;
  /** How long webhooks are kept, longer than any sender retries (Stripe: three days). */
  readonly retentionDays: number;
  /**
   * Capture refuses bodies over this many bytes as the invocation event carries them (413
   * payload_too_large): `MAX_EVENT_BODY_BYTES`, what a 6 MB invocation leaves for the body.
   */
  readonly maxPayloadBytes: number;
  /** Bodies over this many bytes go to the payload bucket (claim check); smaller stay inline. */
  readonly payloadInlineMaxBytes: number;
  readonly streamRetryAttempts: number;
  /**
   * The backoff of a transient failure's retries (services/webhooks/retry-delay.ts): the first
   * retry about `firstSeconds` after the failure, the second `factor` times that, each ±20 %
   * jitter, in whole seconds and at most 900 (one SQS hop). The first rides on the new message's
   * DelaySeconds, the second on the received message's visibility (ChangeMessageVisibility).
   */
  readonly retryBackoff: { readonly firstSeconds: number; readonly factor: number };
  /**
   * How many records of one stream batch the process function runs at once. On AWS all of a
   * batch: DynamoDB is not on the function's cores, and a batch then lasts as long as its slowest
   * record. Locally all of it too: one at a time, each record's writes waited on DynamoDB
   * Local's disk in turn, which bounded the on-disk stack below 10/s (docs/benchmarks.md).
   */
  readonly streamRecordConcurrency: number;
  readonly logLevel: string;
  /** Test hook for the failure path; never on in `aws` (asserted on the template). */
  readonly faultInjection: boolean;
  /** Keep the table and the dead letter queue when the stack is deleted (`aws`), or not. */
  readonly retainData: boolean;
  /**
   * Flood protection on AWS (docs/capacity.md): the webhook route's throttle (requests/s and
   * burst; beyond it API Gateway answers 429 and the senders retry) and the capture function's
   * reserved concurrency (at most that many run at once, and nothing else can take them).
   * Absent locally, where nothing bills.
   */
  readonly flood?: {
    readonly routeRateLimit: number;
    readonly routeBurstLimit: number;
    readonly captureReservedConcurrency: number;
  };
  /** Access log retention of the HTTP API, in days. */
  readonly accessLogRetentionDays: number;
  /** The sweeper's schedule and how long before it calls a webhook stuck. */
  readonly sweep: {
    readonly everyMinutes: number;
    readonly processingGraceSeconds: number;
    readonly failedAfterSeconds: number;
    readonly receivedAfterSeconds: number;
  };
  /**
   * The alarms beyond the dead letter queue's (stack/observability.ts): each looks at one period
   * of this many minutes and goes off when its metric reaches the threshold. CloudWatch only
   * runs on AWS; locally they are part of the template and nothing evaluates them.
   */
  readonly alarms: {
    readonly periodMinutes: number;
    /** The process function's IteratorAge (Maximum): the stream's oldest unprocessed record. */
    readonly iteratorAgeSeconds: number;
    /** Capture answers that were 5xx, as a percentage of all capture requests. */
    readonly capture5xxPercent: number;
    /** Webhooks marked dead (the `WebhooksDead` metric, Sum). */
    readonly deadWebhooks: number;
    /** Webhooks the sweeper found stuck (the `SweeperFound` metric, Sum). */
    readonly sweeperFinds: number;
  };
  /**
   * Where the functions get the provider secrets (stack/provider-secrets.ts): `environment` puts
   * the values themselves into capture's environment (`local`: development defaults, not secret);
   * `ssm` only the names of SSM SecureString parameters, which the operator creates before
   * deploying (docs/deploy.md).
   */
  readonly secretsFrom: 'environment' | 'ssm';
  /**
   * `local` only: provider secrets set in the developer's shell (every `*_SECRET` variable, since
   * each provider's secret variable ends so), which replace the development defaults.
   */
  readonly secretOverrides?: Readonly<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The numbers of a deployed stack; also the defaults a function falls back on (function-settings.ts). */
export const AWS_PROFILE: Profile = {
  name: 'aws',
  ingress: 'http-api',
  captureTimeoutSeconds: 10,
  processTimeoutSeconds: 30,
  failedQueueVisibilityTimeoutSeconds: 180,
  deadLetterRetentionDays: 14,
  leaseSeconds: 60,
  retentionDays: 30,
  maxPayloadBytes: MAX_EVENT_BODY_BYTES,
  payloadInlineMaxBytes: 64 * 1024,
  streamRetryAttempts: 10,
  retryBackoff: { firstSeconds: 30, factor: 10 },
  streamRecordConcurrency: 10,
  logLevel: 'info',
  faultInjection: false,
  retainData: true,
  flood: { routeRateLimit: 250, routeBurstLimit: 500, captureReservedConcurrency: 50 },
  accessLogRetentionDays: 30,
  sweep: {
    everyMinutes: 5,
    processingGraceSeconds: 120,
    failedAfterSeconds: 900,
    receivedAfterSeconds: 900,
  },
  alarms: {
    periodMinutes: 5,
    // A healthy stream is read within a second or two; minutes mean a batch keeps failing
    // (retried up to streamRetryAttempts times) or the function is throttled.
    iteratorAgeSeconds: 120,
    capture5xxPercent: 5,
    deadWebhooks: 1,
    sweeperFinds: 1,
  },
  secretsFrom: 'ssm',
};

function localProfile(env: Env): Profile {
  return {
    name: 'local',
    ingress: ingressSetting(env.STACK_INGRESS, 'both'),
    captureTimeoutSeconds: 10,
    processTimeoutSeconds: 5,
    failedQueueVisibilityTimeoutSeconds: 8,
    deadLetterRetentionDays: 14,
    leaseSeconds: 6,
    retentionDays: 7,
    maxPayloadBytes: AWS_PROFILE.maxPayloadBytes,
    payloadInlineMaxBytes: AWS_PROFILE.payloadInlineMaxBytes,
    streamRetryAttempts: 10,
    // About 1 s, then 3 s: a transient failure is dead within seconds, so e2e stays quick.
    retryBackoff: { firstSeconds: 1, factor: 3 },
    // The whole batch at once, as on AWS: one record at a time, each of its three writes a
    // DynamoDB Local commit, kept the on-disk stack under 10/s (benchmarks.md).
    streamRecordConcurrency: positiveInteger(env.STREAM_RECORD_CONCURRENCY, 10),
    logLevel: env.LOG_LEVEL ?? 'info',
    faultInjection: env.FAULT_INJECTION === '1',
    retainData: false,
    accessLogRetentionDays: 7,
    sweep: {
      everyMinutes: 1,
      processingGraceSeconds: 10,
      failedAfterSeconds: 30,
      receivedAfterSeconds: 60,
    },
    alarms: { ...AWS_PROFILE.alarms, periodMinutes: 1, iteratorAgeSeconds: 60 },
    secretsFrom: 'environment',
    secretOverrides: Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] => entry[0].endsWith('_SECRET') && !!entry[1],
      ),
    ),
  };
}

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

/**
 * The profile of that name. `local` reads the developer's environment (secrets, log level,
 * fault injection, stream record concurrency, ingress); `aws` reads only the ingress, so a
 * deployment depends on the shell it was run from for nothing else.
 */
export function resolveProfile(name: string, env: Env = process.env): Profile {
  if (name === 'local') return localProfile(env);
  if (name === 'aws') {
    const ingress = ingressSetting(env.STACK_INGRESS, AWS_PROFILE.ingress);
    return ingress === AWS_PROFILE.ingress ? AWS_PROFILE : { ...AWS_PROFILE, ingress };
  }
  throw new Error(`Unknown stack profile "${name}": use "local" or "aws".`);
}
