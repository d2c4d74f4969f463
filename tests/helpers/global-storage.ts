import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { TEST_STACK_ENV } from '../../e2e/support/stack-env.js';
import { startDynamoDbLocal } from '../../emulator/dynamodb-local.js';
import { freePort, LOCAL_REGION } from '../../emulator/local-aws.js';
import { startSqsLocal } from '../../emulator/sqs-local.js';
import { ASSEMBLY_CACHE_DIR, synthesizeLocalStackCached } from '../../emulator/synthesize.js';

/*
 * Vitest global setup of the integration and e2e projects: one DynamoDB Local (in memory) and
 * one fauxqs for the whole run, and the stack synthesized once. Each test file then provisions
 * its own tables and queues under a stack name of its own (./local-storage.ts,
 * e2e/support/test-stack.ts), so files running side by side share nothing but the servers.
 */

/** What the files read with `inject('localAws')`. */
export interface SharedLocalAws {
  readonly dynamodb: string;
  readonly sqs: string;
  /** The assembly every file's emulator runs (functions bundled, fault injection on). */
  readonly assemblyDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localAws: SharedLocalAws;
  }
}

interface Shared {
  readonly localAws: Promise<SharedLocalAws>;
  readonly stop: () => Promise<void>;
  users: number;
}

// Both projects' setups run in Vitest's main process, one after the other: the second reuses
// what the first started (a global, since each project may load this module on its own).
const KEY = Symbol.for('webhook-receiver.tests.shared-local-aws');
const registry = globalThis as { [KEY]?: Shared };

function start(): Shared {
  const stops: Array<() => Promise<unknown>> = [];
  const localAws = (async () => {
    const stopping = <T extends { stop(): Promise<void> }>(server: T) => {
      stops.push(() => server.stop());
      return server;
    };
    const [dynamodb, sqs, assembly] = await Promise.all([
      freePort()
        .then((port) => startDynamoDbLocal({ port }))
        .then(stopping),
      startSqsLocal({ port: 0, region: LOCAL_REGION }).then(stopping),
      synthesizeLocalStackCached({
        cacheDir: ASSEMBLY_CACHE_DIR,
        env: { ...process.env, ...TEST_STACK_ENV },
      }),
    ]);
    if (assembly.temporary)
      stops.push(async () => rmSync(assembly.assemblyDir, { recursive: true, force: true }));
    return { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint, assemblyDir: assembly.assemblyDir };
  })();
  return {
    localAws,
    users: 0,
    async stop() {
      await localAws.catch(() => {});
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  registry[KEY] ??= start();
  const shared = registry[KEY];
  shared.users += 1;
  project.provide('localAws', await shared.localAws);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    delete registry[KEY];
    await shared.stop();
  };
}
