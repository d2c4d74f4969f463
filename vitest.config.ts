import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/*
 * Unit files are CPU-bound: one worker per core. Integration and e2e files run together after
 * them, against one DynamoDB Local, one fauxqs and one synthesized assembly for the whole run
 * (tests/helpers/global-storage.ts), each file with tables and queues of its own: they mostly
 * wait (on DynamoDB Local, on retries and timeouts), so more of them run at once than there are
 * cores. The e2e files that start `npm start` themselves (restart, stop-signals) run beside the
 * others; Vitest starts the files that took longest last time first.
 */
const cores = availableParallelism();
const STORAGE_WORKERS = Math.max(3, cores);

export default defineConfig({
  test: {
    // Lambda runs Node.js 22; the SDK's notice about this machine's Node.js 20 is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          maxWorkers: cores,
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          maxWorkers: STORAGE_WORKERS,
          globalSetup: ['tests/helpers/global-storage.ts'],
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          maxWorkers: STORAGE_WORKERS,
          globalSetup: ['tests/helpers/global-storage.ts'],
          include: ['e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
