/*
 * Test-only request headers, kept and honoured only where the stack sets FAULT_INJECTION=1
 * (never in the `aws` profile):
 *   x-fault-fail-attempts: N   the first N processing attempts throw;
 *   x-fault-hang-attempts: 1,3 those attempts never finish, so the function times out, as a
 *                              crash in the middle of an attempt would.
 */
export const FAULT_HEADERS = ['x-fault-fail-attempts', 'x-fault-hang-attempts'] as const;

export interface InjectedFaults {
  readonly failAttempts: number;
  readonly hangAttempts: readonly number[];
}

export function injectedFaults(headers: Readonly<Record<string, string>>): InjectedFaults {
  return {
    failAttempts: count(headers['x-fault-fail-attempts']),
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
