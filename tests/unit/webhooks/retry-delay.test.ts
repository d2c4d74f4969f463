import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError } from '../../../services/shared/errors.js';
import {
  backoffSeconds,
  clampDelay,
  failureKind,
  retryDelaySeconds,
} from '../../../services/webhooks/retry-delay.js';
import { AWS_PROFILE, resolveProfile } from '../../../stack/profile.js';

/* Error classification and the delays before the next attempt. */

describe('failure kinds', () => {
  it('PermanentError and DynamoDB ValidationException are permanent', () => {
    expect(failureKind(new PermanentError('no'))).toBe('permanent');
    const validation = Object.assign(new Error('key too long'), { name: 'ValidationException' });
    expect(failureKind(validation)).toBe('permanent');
  });

  it('RetryLaterError is retry-later; anything else, thrown values included, transient', () => {
    expect(failureKind(new RetryLaterError('wait', 10))).toBe('retry-later');
    expect(failureKind(new Error('ECONNRESET'))).toBe('transient');
    expect(failureKind(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(
      'transient',
    );
    expect(failureKind('a string')).toBe('transient');
  });
});

describe('backoff', () => {
  const aws = AWS_PROFILE.retryBackoff;
  it('on AWS: about 30 s, then about 5 min, each within ±20 %', () => {
    expect(backoffSeconds(aws, 1, () => 0.5)).toBe(30);
    expect(backoffSeconds(aws, 1, () => 0)).toBe(24);
    expect(backoffSeconds(aws, 1, () => 0.999)).toBe(36);
    expect(backoffSeconds(aws, 2, () => 0.5)).toBe(300);
    expect(backoffSeconds(aws, 2, () => 0)).toBe(240);
    expect(backoffSeconds(aws, 2, () => 0.999)).toBe(360);
  });

  it('locally: about 1 s, then about 3 s', () => {
    const local = resolveProfile('local', {}).retryBackoff;
    expect(backoffSeconds(local, 1, () => 0.5)).toBe(1);
    expect(backoffSeconds(local, 2, () => 0.5)).toBe(3);
  });

  it('spreads webhooks that failed together', () => {
    const delays = new Set(Array.from({ length: 200 }, () => backoffSeconds(aws, 1)));
    expect(delays.size).toBeGreaterThan(5);
    for (const d of delays) expect(d >= 24 && d <= 36).toBe(true);
  });

  it('never more than one SQS hop (900 s)', () => {
    expect(backoffSeconds({ firstSeconds: 600, factor: 10 }, 2, () => 0.5)).toBe(900);
  });
});

describe('retry-later', () => {
  it('waits what the handler asked for, rounded up to whole seconds', () => {
    expect(retryDelaySeconds(new RetryLaterError('wait', 7.2), 1, AWS_PROFILE.retryBackoff)).toBe(
      8,
    );
  });

  it('clamps a wait over 900 s to one hop, and a negative one to none', () => {
    expect(retryDelaySeconds(new RetryLaterError('wait', 3600), 1, AWS_PROFILE.retryBackoff)).toBe(
      900,
    );
    expect(clampDelay(-5)).toBe(0);
    expect(clampDelay(Number.NaN)).toBe(0);
  });
});
