import { ConfigurationError } from './errors.js';

/**
 * Every setting the functions read, in one place, read once per process. Names match the
 * environment variables the stack sets (see stack/webhook-stack.ts).
 */
export interface Settings {
  readonly tableName: string;
  readonly failedQueueUrl: string;
  readonly operatorTopicArn: string;
  readonly stripeSecrets: readonly string[];
  readonly bigcommerceSecrets: readonly string[];
  /**
   * Where a provider secret comes from: with `<variable>_PARAMETER` set (the `aws` profile), the
   * SSM SecureString parameter of that name, read by the caller; otherwise the comma-separated
   * values of `<variable>` itself (the `local` profile).
   */
  secretSource(variable: string): SecretSource;
  /**
   * The same for an optional provider (GitHub, Shopify, Standard Webhooks): no values when neither
   * `<variable>` nor `<variable>_PARAMETER` is set, and a provider without a secret is not
   * configured at all.
   */
  optionalSecretSource(variable: string): SecretSource;
  readonly maxPayloadBytes: number;
  readonly retentionDays: number;
  readonly leaseSeconds: number;
  /** Records of one stream batch the process function runs at once (the stack's profile). */
  readonly streamRecordConcurrency: number;
  /** The failed queue's redrive maxReceiveCount: on that receive a failure is final. */
  readonly maxReceiveCount: number;
  readonly faultInjection: boolean;
  readonly sweepThresholds: {
    readonly processingGraceSeconds: number;
    readonly failedAfterSeconds: number;
    readonly receivedAfterSeconds: number;
  };
  readonly logLevel: string;
  readonly profile: string;
}

/** A provider secret: its values (current first), or the SSM parameter that holds them. */
export type SecretSource =
  | { readonly values: readonly string[] }
  | { readonly parameterName: string; readonly variable: string };

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(
      `Missing required setting ${name}: set it in the function's environment.`,
      {
        context: { setting: name },
      },
    );
  }
  return value;
}

function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigurationError(`Setting ${name} must be a positive integer, got "${raw}".`, {
      context: { setting: name },
    });
  }
  return value;
}

/** A comma-separated list, so a new secret can be added before the old one is removed. */
function secretList(env: Env, name: string): readonly string[] {
  return required(env, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Settings are resolved lazily, each on first use, so a function only fails for what it needs:
 * the process function has no provider secrets and must not require them.
 */
export function readSettings(env: Env = process.env): Settings {
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, read: () => T): T => {
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key) as T;
  };
  return {
    get tableName() {
      return lazy('tableName', () => required(env, 'TABLE_NAME'));
    },
    get failedQueueUrl() {
      return lazy('failedQueueUrl', () => required(env, 'FAILED_QUEUE_URL'));
    },
    get operatorTopicArn() {
      return lazy('operatorTopicArn', () => required(env, 'OPERATOR_TOPIC_ARN'));
    },
    get stripeSecrets() {
      return lazy('stripeSecrets', () => secretList(env, 'STRIPE_WEBHOOK_SECRET'));
    },
    get bigcommerceSecrets() {
      return lazy('bigcommerceSecrets', () => secretList(env, 'BIGCOMMERCE_CLIENT_SECRET'));
    },
    secretSource(variable: string): SecretSource {
      return lazy(`secretSource:${variable}`, () => {
        const parameterName = env[`${variable}_PARAMETER`]?.trim();
        return parameterName ? { parameterName, variable } : { values: secretList(env, variable) };
      });
    },
    optionalSecretSource(variable: string): SecretSource {
      return lazy(`optionalSecretSource:${variable}`, (): SecretSource => {
        const parameterName = env[`${variable}_PARAMETER`]?.trim();
        if (parameterName) return { parameterName, variable };
        return { values: env[variable]?.trim() ? secretList(env, variable) : [] };
      });
    },
    get maxPayloadBytes() {
      return lazy('maxPayloadBytes', () => integer(env, 'MAX_PAYLOAD_BYTES', 256 * 1024));
    },
    get retentionDays() {
      return lazy('retentionDays', () => integer(env, 'RETENTION_DAYS', 30));
    },
    get leaseSeconds() {
      return lazy('leaseSeconds', () => integer(env, 'LEASE_SECONDS', 60));
    },
    get streamRecordConcurrency() {
      return lazy('streamRecordConcurrency', () =>
        Math.max(1, integer(env, 'STREAM_RECORD_CONCURRENCY', 10)),
      );
    },
    get maxReceiveCount() {
      return lazy('maxReceiveCount', () => integer(env, 'MAX_RECEIVE_COUNT', 2));
    },
    get sweepThresholds() {
      return lazy('sweepThresholds', () => ({
        processingGraceSeconds: integer(env, 'SWEEP_PROCESSING_GRACE_SECONDS', 60),
        failedAfterSeconds: integer(env, 'SWEEP_FAILED_AFTER_SECONDS', 600),
        receivedAfterSeconds: integer(env, 'SWEEP_RECEIVED_AFTER_SECONDS', 900),
      }));
    },
    get faultInjection() {
      return env.FAULT_INJECTION === '1';
    },
    get logLevel() {
      return env.LOG_LEVEL ?? 'info';
    },
    get profile() {
      return env.STACK_PROFILE ?? 'aws';
    },
  };
}

let settings: Settings | undefined;

/** The settings of this process, read once. */
export function getSettings(): Settings {
  settings ??= readSettings();
  return settings;
}
