import { describe, expect, it } from 'vitest';
import { UpdateExpression } from '../../../services/webhooks/update-expression.js';

describe('UpdateExpression', () => {
  it('gives every name and value a placeholder, paths included, and ANDs the conditions', () => {
    const u = new UpdateExpression()
      .set('status', 'failed')
      .set(['attemptLog', 'a3', 'endedAt'], 't')
      .increment('version')
      .add('conflicts')
      .remove('leaseExpiresAt', ['attemptLog', 'a-7']);
    u.when(`${u.name('status')} = ${u.value('processing')}`).when('attribute_exists(#PK)');
    expect(u.build()).toEqual({
      UpdateExpression:
        'SET #status = :v0, #attemptLog.#a3.#endedAt = :v1, #version = #version + :v2 ' +
        'REMOVE #leaseExpiresAt, #attemptLog.#a_7 ADD #conflicts :v3',
      ConditionExpression: '(#status = :v4) AND (attribute_exists(#PK))',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#attemptLog': 'attemptLog',
        '#a3': 'a3',
        '#endedAt': 'endedAt',
        '#version': 'version',
        '#conflicts': 'conflicts',
        '#leaseExpiresAt': 'leaseExpiresAt',
        '#a_7': 'a-7',
      },
      ExpressionAttributeValues: {
        ':v0': 'failed',
        ':v1': 't',
        ':v2': 1,
        ':v3': 1,
        ':v4': 'processing',
      },
    });
  });

  it('skips undefined values in setAll, and refuses an empty update or clashing names', () => {
    expect(new UpdateExpression().setAll({ a: 1, b: undefined }).build().UpdateExpression).toBe(
      'SET #a = :v0',
    );
    expect(() => new UpdateExpression().build()).toThrow(/must set or remove/);
    expect(() => new UpdateExpression().set('a-b', 1).set('a_b', 2)).toThrow(/share a placeholder/);
  });
});
