import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './tests/helpers/longest-first-sequencer.js';

/*
 * Most unit files run first, all in one worker that keeps its modules from one file to the next
 * (`isolate: false`): importing the SDK, pino and Vitest again for every file, in a process of
 * its own, was most of the unit ring's CPU. Everything else runs after them, together:
 * integration and e2e files against one DynamoDB Local, one fauxqs and one synthesized assembly
 * for the whole run (tests/helpers/global-storage.ts), each file with tables and queues of its
 * own. They mostly wait (on DynamoDB Local, on retries and timeouts), so more of them run at
 * once than there are cores, the files that took longest last time first, whatever their
 * project (./tests/helpers/longest-first-sequencer.ts). The e2e files that start `npm start`
 * themselves (restart, stop-signals) run beside the others.
 */
const cores = availableParallelism();
const STORAGE_WORKERS = Math.max(3, cores);

/**
 * Files that need a process of their own: they mock a module (vi.mock), set the process's
 * environment, or run the Lambda handlers, whose dependencies are built once per module from
 * that environment. The other unit and integration files share their worker's modules. The
 * Lambda runtime's file is here too: it mostly waits (its functions' timeouts, 11 s of the
 * unit ring's 30), which the one unit worker would do with every other unit file behind it.
 */
const UNIT_ISOLATED = [
  'tests/unit/emulator/lambda-runtime.test.ts',
  'tests/unit/handlers/**/*.test.ts',
  'tests/unit/providers/github.test.ts',
  'tests/unit/providers/shopify.test.ts',
  'tests/unit/webhooks/claim-check.test.ts',
  'tests/unit/webhooks/webhook-metrics.test.ts',
];
const INTEGRATION_ISOLATED = ['tests/integration/function-permissions.test.ts'];

const STORAGE = {
  sequence: { groupOrder: 1 },
  maxWorkers: STORAGE_WORKERS,
  globalSetup: ['tests/helpers/global-storage.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
    // The run's DynamoDB Local is stopped in the global teardown. On a fresh clone it is the JVM
    // that writes the class-data archive as it stops (emulator/dynamodb-local.ts), once, which
    // can take longer than Vitest's default 10 s for closing.
    teardownTimeout: 40_000,
    // Transformed modules kept on disk between runs (node_modules/.experimental-vitest-cache,
    // keyed by each file's content): the integration and unit rings took 15 to 20 s less CPU
    // with it (docs/benchmarks.md, "Developer loop"). A fresh clone's first run fills it.
    experimental: { fsModuleCache: true },
    // Lambda runs Node.js 22; the SDK's notice about this machine's Node.js 20 is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // One worker takes all the files at once (Vitest does so for a non-isolated single
          // worker); two workers took longer on two cores, each importing everything again.
          maxWorkers: 1,
          isolate: false,
          include: ['tests/unit/**/*.test.ts'],
          exclude: UNIT_ISOLATED,
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'unit-isolated',
          sequence: { groupOrder: 1 },
          maxWorkers: STORAGE_WORKERS,
          include: UNIT_ISOLATED,
          testTimeout: 30_000,
        },
      },
      {
        test: {
          ...STORAGE,
          name: 'integration',
          isolate: false,
          include: ['tests/integration/**/*.test.ts'],
          exclude: INTEGRATION_ISOLATED,
        },
      },
      {
        test: { ...STORAGE, name: 'integration-isolated', include: INTEGRATION_ISOLATED },
      },
      {
        test: {
          ...STORAGE,
          name: 'e2e',
          // Workers reused from one file to the next, as for integration: each file stops the
          // stack it started, and none mocks a module or sets the process's environment.
          isolate: false,
          include: ['e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
