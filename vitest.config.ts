import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Lambda runs Node.js 22; the SDK's notice about this machine's Node.js 20 is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          include: ['e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Each e2e file starts a whole local AWS (DynamoDB Local is a JVM): two at once fit two cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});
