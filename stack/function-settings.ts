/*
 * The settings contract between the stack and the functions: every environment variable the stack
 * writes into a function and the function reads, with its type, default and validation. The stack
 * writes through `functionEnvironment`, services/shared/config.ts reads through `readSetting`, so
 * a name is spelled here only. No aws-cdk-lib: this module ships in the Lambda bundles.
 */
import { ConfigurationError } from '../services/shared/errors.js';
import { DEFAULT_METRICS_NAMESPACE } from './metrics-schema.js';
import { AWS_PROFILE, MAX_RECEIVE_COUNT } from './profile.js';

type Env = Readonly<Record<string, string | undefined>>;

interface SettingSpec<T> {
  /** The environment variable. */
  readonly variable: string;
  /** What a function assumes when the variable is absent or empty; none means required. */
  readonly fallback?: T;
  /** Whether a value of only spaces counts as absent (text) or as malformed (numbers). */
  readonly blankIsMissing?: boolean;
  /** @throws ConfigurationError naming the variable when the value is malformed. */
  parse(raw: string): T;
  /** The variable's value, or undefined to leave it out of the environment. */
  format(value: T): string | undefined;
}

function text(variable: string, fallback?: string): SettingSpec<string> {
  return {
    variable,
    ...(fallback === undefined ? {} : { fallback }),
    blankIsMissing: true,
    parse: (raw) => raw,
    format: (value) => value,
  };
}

function positiveInteger(variable: string, fallback: number): SettingSpec<number> {
  return {
    variable,
    fallback,
    parse(raw) {
      const value = Number(raw);
      if (!Number.isInteger(value) || value <= 0) {
        throw new ConfigurationError(
          `Setting ${variable} must be a positive integer, got "${raw}".`,
          { context: { setting: variable } },
        );
      }
      return value;
    },
    format: (value) => String(value),
  };
}

/** On only when the variable is exactly `1`; the stack leaves it out when off. */
function flag(variable: string): SettingSpec<boolean> {
  return {
    variable,
    fallback: false,
    parse: (raw) => raw === '1',
    format: (value) => (value ? '1' : undefined),
  };
}

/**
 * Every setting a function reads. Numbers default to the `aws` profile's (stack/profile.ts), so a
 * function and a deployed stack cannot disagree; the stack writes them in every profile anyway.
 */
export const FUNCTION_SETTINGS = {
  tableName: text('TABLE_NAME'),
  failedQueueUrl: text('FAILED_QUEUE_URL'),
  operatorTopicArn: text('OPERATOR_TOPIC_ARN'),
  retentionDays: positiveInteger('RETENTION_DAYS', AWS_PROFILE.retentionDays),
  maxPayloadBytes: positiveInteger('MAX_PAYLOAD_BYTES', AWS_PROFILE.maxPayloadBytes),
  /** The payload bucket (claim-checked bodies) and the largest body kept inline. */
  payloadBucket: text('PAYLOAD_BUCKET'),
  payloadInlineMaxBytes: positiveInteger(
    'PAYLOAD_INLINE_MAX_BYTES',
    AWS_PROFILE.payloadInlineMaxBytes,
  ),
  leaseSeconds: positiveInteger('LEASE_SECONDS', AWS_PROFILE.leaseSeconds),
  /** Records of one stream batch the process function runs at once. */
  streamRecordConcurrency: positiveInteger(
    'STREAM_RECORD_CONCURRENCY',
    AWS_PROFILE.streamRecordConcurrency,
  ),
  /** The failed queue's redrive maxReceiveCount: on that receive a failure is final. */
  maxReceiveCount: positiveInteger('MAX_RECEIVE_COUNT', MAX_RECEIVE_COUNT),
  /** A transient failure's first retry comes about this many seconds later (with jitter). */
  retryBackoffFirstSeconds: positiveInteger(
    'RETRY_BACKOFF_FIRST_SECONDS',
    AWS_PROFILE.retryBackoff.firstSeconds,
  ),
  /** Each next retry waits this many times longer than the one before. */
  retryBackoffFactor: positiveInteger('RETRY_BACKOFF_FACTOR', AWS_PROFILE.retryBackoff.factor),
  sweepProcessingGraceSeconds: positiveInteger(
    'SWEEP_PROCESSING_GRACE_SECONDS',
    AWS_PROFILE.sweep.processingGraceSeconds,
  ),
  sweepFailedAfterSeconds: positiveInteger(
    'SWEEP_FAILED_AFTER_SECONDS',
    AWS_PROFILE.sweep.failedAfterSeconds,
  ),
  sweepReceivedAfterSeconds: positiveInteger(
    'SWEEP_RECEIVED_AFTER_SECONDS',
    AWS_PROFILE.sweep.receivedAfterSeconds,
  ),
  logLevel: text('LOG_LEVEL', AWS_PROFILE.logLevel),
  /**
   * The CloudWatch namespace and `service` dimension of the functions' metrics. Powertools'
   * own variables, so Powertools and config.ts read the same value.
   */
  metricsNamespace: text('POWERTOOLS_METRICS_NAMESPACE', DEFAULT_METRICS_NAMESPACE),
  metricsService: text('POWERTOOLS_SERVICE_NAME', 'webhook-receiver'),
  faultInjection: flag('FAULT_INJECTION'),
} as const;

export type SettingName = keyof typeof FUNCTION_SETTINGS;
export type SettingValue<K extends SettingName> =
  (typeof FUNCTION_SETTINGS)[K] extends SettingSpec<infer T> ? T : never;
export type SettingValues = { readonly [K in SettingName]?: SettingValue<K> };

/** The environment variables for these settings, as the stack writes them into a function. */
export function functionEnvironment(values: SettingValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as Array<[SettingName, unknown]>) {
    if (value === undefined) continue;
    const spec = FUNCTION_SETTINGS[name] as SettingSpec<unknown>;
    const formatted = spec.format(value);
    if (formatted !== undefined) environment[spec.variable] = formatted;
  }
  return environment;
}

/**
 * One setting from a function's environment: its value, else its default.
 * @throws ConfigurationError naming the variable when it is required and missing, or malformed.
 */
export function readSetting<K extends SettingName>(env: Env, name: K): SettingValue<K> {
  const spec = FUNCTION_SETTINGS[name] as SettingSpec<SettingValue<K>>;
  const raw = env[spec.variable];
  if (raw === undefined || raw === '' || (spec.blankIsMissing && raw.trim() === '')) {
    if (spec.fallback !== undefined) return spec.fallback;
    throw new ConfigurationError(
      `Missing required setting ${spec.variable}: set it in the function's environment.`,
      { context: { setting: spec.variable } },
    );
  }
  return spec.parse(raw);
}

/**
 * A provider secret's two variables: `<variable>` holds the values themselves (comma-separated,
 * current first; the `local` profile), `<variable>_PARAMETER` the name of the SSM SecureString
 * parameter that holds them (the `aws` profile).
 */
export function secretParameterVariable(variable: string): string {
  return `${variable}_PARAMETER`;
}
