import { describe, expect, it } from 'vitest';
import { FAULT_HEADERS, injectedFaults } from '../../../services/webhooks/fault-injection.js';

/* The test-only x-fault-* headers, as the processing attempt reads them. */

describe('injected faults', () => {
  it('transient when no kind is given, or an unknown one', () => {
    expect(injectedFaults({ 'x-fault-fail-attempts': '2' })).toMatchObject({
      failAttempts: 2,
      kind: 'transient',
      afterHandler: false,
    });
    expect(injectedFaults({ 'x-fault-kind': 'sometimes' }).kind).toBe('transient');
  });

  it('permanent, or retry-later with its delay', () => {
    expect(injectedFaults({ 'x-fault-kind': 'permanent' }).kind).toBe('permanent');
    expect(
      injectedFaults({ 'x-fault-kind': 'retry-later', 'x-fault-retry-after': '7' }),
    ).toMatchObject({ kind: 'retry-later', retryAfterSeconds: 7 });
    expect(injectedFaults({ 'x-fault-kind': 'retry-later' }).retryAfterSeconds).toBe(0);
  });

  it('after the handler only when asked, and hangs as listed', () => {
    expect(injectedFaults({ 'x-fault-after-handler': '1' }).afterHandler).toBe(true);
    expect(injectedFaults({ 'x-fault-hang-attempts': '1, 3,x' }).hangAttempts).toEqual([1, 3]);
  });

  it('capture keeps every one of these headers (with fault injection on)', () => {
    expect([...FAULT_HEADERS].sort()).toEqual(
      [
        'x-fault-after-handler',
        'x-fault-fail-attempts',
        'x-fault-hang-attempts',
        'x-fault-kind',
        'x-fault-retry-after',
      ].sort(),
    );
  });
});
