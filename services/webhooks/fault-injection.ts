/*
 * Test-only request headers, kept and honoured only where the stack sets FAULT_INJECTION=1
 * (never in the `aws` profile):
 *   x-fault-fail-attempts: N        the first N processing attempts throw;
 *   x-fault-kind: K                 what they throw: `permanent` (PermanentError: dead at once),
 *                                   `retry-later` (RetryLaterError), or a transient error when
 *                                   absent or anything else;
 *   x-fault-retry-after: S          with `retry-later`: the delay asked for, in seconds;
 *   x-fault-after-handler: 1        they throw after the handler has run (its effects applied),
 *                                   as a failure after a side effect would; before it otherwise;
 *   x-fault-hang-attempts: 1,3      those attempts never finish, so the function times out, as a
 *                                   crash in the middle of an attempt would.
 */
export const FAULT_HEADERS = [
  'x-fault-fail-attempts',
  'x-fault-kind',
  'x-fault-retry-after',
  'x-fault-after-handler',
  'x-fault-hang-attempts',
] as const;

export type InjectedFaultKind = 'permanent' | 'retry-later' | 'transient';

export interface InjectedFaults {
  readonly failAttempts: number;
  readonly kind: InjectedFaultKind;
  /** With `retry-later`: the delay asked for, in seconds (0 when not given). */
  readonly retryAfterSeconds: number;
  /** Whether the failures come after the handler has run rather than before. */
  readonly afterHandler: boolean;
  readonly hangAttempts: readonly number[];
}

export function injectedFaults(headers: Readonly<Record<string, string>>): InjectedFaults {
  const kind = headers['x-fault-kind']?.trim();
  return {
    failAttempts: count(headers['x-fault-fail-attempts']),
    kind: kind === 'permanent' || kind === 'retry-later' ? kind : 'transient',
    retryAfterSeconds: count(headers['x-fault-retry-after']),
    afterHandler: headers['x-fault-after-handler']?.trim() === '1',
    hangAttempts: (headers['x-fault-hang-attempts'] ?? '')
      .split(',')
      .map((value) => count(value.trim()))
      .filter((attempt) => attempt > 0),
  };
}

function count(value: string | undefined): number {
  const parsed = Number.parseInt(value ?? '0', 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
}
