import {
  readSetting,
  type SettingName,
  type SettingValue,
  secretParameterVariable,
} from '../../stack/function-settings.js';
import { ConfigurationError } from './errors.js';

/**
 * Every setting the functions read, in one place, read once per process, through the settings
 * contract the stack writes with (stack/function-settings.ts).
 */
export interface Settings {
  readonly tableName: string;
  readonly failedQueueUrl: string;
  readonly operatorTopicArn: string;
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
  /** The payload bucket of claim-checked bodies, and the largest body kept inline. */
  readonly payloadBucket: string;
  readonly payloadInlineMaxBytes: number;
  readonly retentionDays: number;
  readonly leaseSeconds: number;
  /** Records of one stream batch the process function runs at once (the stack's profile). */
  readonly streamRecordConcurrency: number;
  /** The failed queue's redrive maxReceiveCount: on that receive a failure is final. */
  readonly maxReceiveCount: number;
  /** The backoff of transient failures' retries (the stack's profile). */
  readonly retryBackoff: { readonly firstSeconds: number; readonly factor: number };
  readonly faultInjection: boolean;
  readonly sweepThresholds: {
    readonly processingGraceSeconds: number;
    readonly failedAfterSeconds: number;
    readonly receivedAfterSeconds: number;
  };
  readonly logLevel: string;
  /** Where the functions' metrics go: CloudWatch namespace and `service` dimension. */
  readonly metricsNamespace: string;
  readonly metricsService: string;
}

/** A provider secret: its values (current first), or the SSM parameter that holds them. */
export type SecretSource =
  | { readonly values: readonly string[] }
  | { readonly parameterName: string; readonly variable: string };

type Env = Readonly<Record<string, string | undefined>>;

/** A comma-separated list, so a new secret can be added before the old one is removed. */
function secretList(env: Env, name: string): readonly string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigurationError(
      `Missing required setting ${name}: set it in the function's environment.`,
      { context: { setting: name } },
    );
  }
  return raw
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
  const setting = <K extends SettingName>(name: K): SettingValue<K> =>
    lazy(name, () => readSetting(env, name));
  return {
    get tableName() {
      return setting('tableName');
    },
    get failedQueueUrl() {
      return setting('failedQueueUrl');
    },
    get operatorTopicArn() {
      return setting('operatorTopicArn');
    },
    secretSource(variable: string): SecretSource {
      return lazy(`secretSource:${variable}`, () => {
        const parameterName = env[secretParameterVariable(variable)]?.trim();
        return parameterName ? { parameterName, variable } : { values: secretList(env, variable) };
      });
    },
    optionalSecretSource(variable: string): SecretSource {
      return lazy(`optionalSecretSource:${variable}`, (): SecretSource => {
        const parameterName = env[secretParameterVariable(variable)]?.trim();
        if (parameterName) return { parameterName, variable };
        return { values: env[variable]?.trim() ? secretList(env, variable) : [] };
      });
    },
    get maxPayloadBytes() {
      return setting('maxPayloadBytes');
    },
    get payloadBucket() {
      return setting('payloadBucket');
    },
    get payloadInlineMaxBytes() {
      return setting('payloadInlineMaxBytes');
    },
    get retentionDays() {
      return setting('retentionDays');
    },
    get leaseSeconds() {
      return setting('leaseSeconds');
    },
    get streamRecordConcurrency() {
      return setting('streamRecordConcurrency');
    },
    get maxReceiveCount() {
      return setting('maxReceiveCount');
    },
    get retryBackoff() {
      return lazy('retryBackoff', () => ({
        firstSeconds: readSetting(env, 'retryBackoffFirstSeconds'),
        factor: readSetting(env, 'retryBackoffFactor'),
      }));
    },
    get sweepThresholds() {
      return lazy('sweepThresholds', () => ({
        processingGraceSeconds: readSetting(env, 'sweepProcessingGraceSeconds'),
        failedAfterSeconds: readSetting(env, 'sweepFailedAfterSeconds'),
        receivedAfterSeconds: readSetting(env, 'sweepReceivedAfterSeconds'),
      }));
    },
    get faultInjection() {
      return setting('faultInjection');
    },
    get logLevel() {
      return setting('logLevel');
    },
    get metricsNamespace() {
      return setting('metricsNamespace');
    },
    get metricsService() {
      return setting('metricsService');
    },
  };
}

let settings: Settings | undefined;

/** The settings of this process, read once. */
export function getSettings(): Settings {
  settings ??= readSettings();
  return settings;
}
