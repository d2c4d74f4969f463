import { describe, expect, it } from 'vitest';
import { readSettings } from '../../../services/shared/config.js';
import { ConfigurationError } from '../../../services/shared/errors.js';
import { AWS_PROFILE, MAX_EVENT_BODY_BYTES } from '../../../stack/profile.js';

const FULL_ENV = {
  TABLE_NAME: 'webhooks',
  FAILED_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/failed',
  OPERATOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:operator',
  STRIPE_WEBHOOK_SECRET: 'whsec_a',
  BIGCOMMERCE_CLIENT_SECRET: 'bc_a',
};

function configurationError(read: () => unknown): ConfigurationError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, none was thrown');
}

describe('readSettings: required settings', () => {
  it.each([
    ['tableName', 'TABLE_NAME'],
    ['failedQueueUrl', 'FAILED_QUEUE_URL'],
    ['operatorTopicArn', 'OPERATOR_TOPIC_ARN'],
  ] as const)('%s throws a ConfigurationError naming %s when it is missing', (key, variable) => {
    const env: Record<string, string> = { ...FULL_ENV };
    delete env[variable];
    const error = configurationError(() => readSettings(env)[key]);
    expect(error.message).toContain(variable);
    expect(error.code).toBe('configuration_error');
    expect(error.context).toEqual({ setting: variable });
  });

  it.each(['', '   '])('treats a blank value (%j) as missing', (blank) => {
    const error = configurationError(
      () => readSettings({ ...FULL_ENV, TABLE_NAME: blank }).tableName,
    );
    expect(error.message).toContain('TABLE_NAME');
  });

  it('returns the values that are set', () => {
    const settings = readSettings(FULL_ENV);
    expect(settings.tableName).toBe('webhooks');
    expect(settings.failedQueueUrl).toBe(FULL_ENV.FAILED_QUEUE_URL);
    expect(settings.operatorTopicArn).toBe(FULL_ENV.OPERATOR_TOPIC_ARN);
  });
});

describe('readSettings: laziness', () => {
  it('does not throw for missing settings until one is read', () => {
    expect(() => readSettings({})).not.toThrow();
  });

  it('reads tableName without requiring any secret', () => {
    // The process function has no provider secrets and must still start.
    const settings = readSettings({ TABLE_NAME: 'webhooks' });
    expect(settings.tableName).toBe('webhooks');
    expect(() => settings.secretSource('STRIPE_WEBHOOK_SECRET')).toThrow(ConfigurationError);
  });

  it('reads each setting once: later changes to the environment are not seen', () => {
    const env: Record<string, string | undefined> = { ...FULL_ENV };
    const settings = readSettings(env);
    expect(settings.tableName).toBe('webhooks');
    env.TABLE_NAME = 'changed';
    expect(settings.tableName).toBe('webhooks');
  });
});

describe('readSettings: secret lists', () => {
  it('splits on commas, trims, and drops empty entries', () => {
    const settings = readSettings({
      STRIPE_WEBHOOK_SECRET: ' whsec_new , whsec_old,,  ',
      BIGCOMMERCE_CLIENT_SECRET: 'bc_only',
    });
    expect(settings.secretSource('STRIPE_WEBHOOK_SECRET')).toEqual({
      values: ['whsec_new', 'whsec_old'],
    });
    expect(settings.secretSource('BIGCOMMERCE_CLIENT_SECRET')).toEqual({ values: ['bc_only'] });
  });

  it('keeps the order, current secret first', () => {
    const settings = readSettings({ BIGCOMMERCE_CLIENT_SECRET: 'b,a,c' });
    expect(settings.secretSource('BIGCOMMERCE_CLIENT_SECRET')).toEqual({
      values: ['b', 'a', 'c'],
    });
  });
});

describe('readSettings: optional provider secrets', () => {
  it.each([
    ['unset', undefined],
    ['blank', '  '],
    ['only commas', ' , ,'],
  ])('gives no values when %s, so the provider is not configured', (_, value) => {
    const settings = readSettings({ GITHUB_WEBHOOK_SECRET: value });
    expect(settings.optionalSecretSource('GITHUB_WEBHOOK_SECRET')).toEqual({ values: [] });
  });

  it('splits a comma-separated list, current secret first', () => {
    const settings = readSettings({ SHOPIFY_CLIENT_SECRET: ' new , old,, ' });
    expect(settings.optionalSecretSource('SHOPIFY_CLIENT_SECRET')).toEqual({
      values: ['new', 'old'],
    });
  });

  it('names the SSM parameter when <variable>_PARAMETER is set', () => {
    const settings = readSettings({
      STANDARD_WEBHOOKS_SECRET_PARAMETER: '/webhook-receiver/standard-webhooks-secret',
    });
    expect(settings.optionalSecretSource('STANDARD_WEBHOOKS_SECRET')).toEqual({
      parameterName: '/webhook-receiver/standard-webhooks-secret',
      variable: 'STANDARD_WEBHOOKS_SECRET',
    });
  });
});

describe('readSettings: integers', () => {
  it('uses the defaults when unset or empty', () => {
    const settings = readSettings({ MAX_PAYLOAD_BYTES: '' });
    expect(settings.maxPayloadBytes).toBe(MAX_EVENT_BODY_BYTES);
    expect(settings.payloadInlineMaxBytes).toBe(64 * 1024);
    expect(settings.retentionDays).toBe(30);
    expect(settings.leaseSeconds).toBe(60);
    expect(settings.maxReceiveCount).toBe(2);
  });

  it("defaults to the aws profile's numbers, the ones a deployed stack writes", () => {
    const settings = readSettings({});
    expect(settings.sweepThresholds).toEqual({
      processingGraceSeconds: AWS_PROFILE.sweep.processingGraceSeconds,
      failedAfterSeconds: AWS_PROFILE.sweep.failedAfterSeconds,
      receivedAfterSeconds: AWS_PROFILE.sweep.receivedAfterSeconds,
    });
    expect(settings.retentionDays).toBe(AWS_PROFILE.retentionDays);
    expect(settings.leaseSeconds).toBe(AWS_PROFILE.leaseSeconds);
    expect(settings.streamRecordConcurrency).toBe(AWS_PROFILE.streamRecordConcurrency);
  });

  it('parses positive integers', () => {
    const settings = readSettings({
      MAX_PAYLOAD_BYTES: '1024',
      RETENTION_DAYS: '7',
      LEASE_SECONDS: '15',
      MAX_RECEIVE_COUNT: '3',
    });
    expect(settings.maxPayloadBytes).toBe(1024);
    expect(settings.retentionDays).toBe(7);
    expect(settings.leaseSeconds).toBe(15);
    expect(settings.maxReceiveCount).toBe(3);
  });

  it.each([
    ['zero', '0'],
    ['negative', '-5'],
    ['fraction', '1.5'],
    ['text', 'sixty'],
    ['blank', '  '],
    ['infinite', 'Infinity'],
  ])('rejects a %s value, naming the setting and the value', (_label, raw) => {
    const error = configurationError(() => readSettings({ LEASE_SECONDS: raw }).leaseSeconds);
    expect(error.message).toContain('LEASE_SECONDS');
    expect(error.message).toContain(`"${raw}"`);
    expect(error.context).toEqual({ setting: 'LEASE_SECONDS' });
  });

  it('only fails the setting that is malformed', () => {
    const settings = readSettings({ RETENTION_DAYS: 'x', LEASE_SECONDS: '10' });
    expect(settings.leaseSeconds).toBe(10);
    expect(() => settings.retentionDays).toThrow(ConfigurationError);
  });
});

describe('readSettings: optional settings', () => {
  it.each([
    ['1', true],
    [undefined, false],
    ['', false],
    ['0', false],
    ['true', false],
    ['yes', false],
    [' 1', false],
    ['1 ', false],
    ['11', false],
  ])('faultInjection for FAULT_INJECTION=%j is %s', (value, expected) => {
    expect(readSettings({ FAULT_INJECTION: value }).faultInjection).toBe(expected);
  });

  it('defaults logLevel to info', () => {
    expect(readSettings({}).logLevel).toBe('info');
  });

  it('reads LOG_LEVEL', () => {
    expect(readSettings({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });
});
