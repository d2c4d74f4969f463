/**
 * The environment the embedded stack is synthesized with for the tests: fault injection on (the
 * suites send `x-fault-*` headers) and the functions' info-level logs (the suites read them).
 * The test run synthesizes this one assembly and every file reuses it.
 */
export const TEST_STACK_ENV = { FAULT_INJECTION: '1', LOG_LEVEL: 'info' } as const;
