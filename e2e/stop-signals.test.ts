import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { reservedPort, runNpmStart } from './support/npm-start.js';
import {
  commandLine,
  type ProcessEntry,
  processTree,
  stillRunning,
} from './support/process-tree.js';
import { TARGET } from './support/target.js';

/*
 * `npm start` is stopped the usual ways (a process manager's SIGTERM, Ctrl-C, the terminal
 * closing, npm dying): each time everything it started must be gone within 10 s, the JVM
 * included, and its four ports free. The five stacks run side by side, each on ports and data
 * of its own: a start mostly waits (on DynamoDB Local, on its ports), so five one after
 * another took five times as long.
 */
const STOP_BOUND_MS = 10_000;
const root = mkdtempSync(join(tmpdir(), 'webhooks-stop-'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function leftovers(tree: ProcessEntry[], ports: number[]) {
  const processes = tree.filter(stillRunning).map((p) => `${p.pid} ${p.command}`);
  const open: number[] = [];
  for (const port of ports) if (!(await refused(port))) open.push(port);
  return { processes, open };
}

/** What is still there once STOP_BOUND_MS have passed (or nothing, as soon as all is gone). */
async function leftoversAfterStop(tree: ProcessEntry[], ports: number[]) {
  const deadline = Date.now() + STOP_BOUND_MS;
  for (;;) {
    const left = await leftovers(tree, ports);
    if ((left.processes.length === 0 && left.open.length === 0) || Date.now() > deadline)
      return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Stop = (npm: number) => void;

const WAYS: Array<[string, Stop]> = [
  ['SIGTERM to npm (a process manager, an IDE)', (npm) => process.kill(npm, 'SIGTERM')],
  ['SIGINT to npm alone', (npm) => process.kill(npm, 'SIGINT')],
  ['SIGINT to the process group (Ctrl-C)', (npm) => process.kill(-npm, 'SIGINT')],
  ['SIGHUP to the process group (the terminal closes)', (npm) => process.kill(-npm, 'SIGHUP')],
  ['SIGKILL to npm (its parent dies)', (npm) => process.kill(npm, 'SIGKILL')],
];

describe.runIf(TARGET.localProcesses && process.platform === 'linux')('stopping npm start', () => {
  it.concurrent.for(WAYS)(
    '%s stops everything within 10 s, ports free',
    { timeout: 180_000 },
    async ([_way, stop], { expect, onTestFinished }) => {
      const ports = {
        API_PORT: await reservedPort(),
        DYNAMODB_PORT: await reservedPort(),
        SQS_PORT: await reservedPort(),
        PROXY_PORT: await reservedPort(),
      };
      const env = {
        DATA_DIR: mkdtempSync(join(root, 'data-')),
        // Five JVMs side by side on the run's cores: what is stopped does not need them warm.
        EMULATOR_WARM_UP: '0',
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      };
      // Every start reuses the run's assembly (runNpmStart passes the run's stack settings).
      const start = await runNpmStart(env, 120_000);
      const npm = start.child.pid as number;
      const tree = processTree(npm);
      // A failed case must not leave its stack behind (for the machine, nor for the next run).
      onTestFinished(() => {
        for (const entry of tree) if (stillRunning(entry)) process.kill(entry.pid, 'SIGKILL');
      });
      // What is being stopped: npm, the script, the emulator's JVM and its watchdog at least.
      expect(tree.some((p) => p.command === 'java')).toBe(true);
      expect(tree.some((p) => commandLine(p.pid).includes('scripts/start.ts'))).toBe(true);
      const all = Object.values(ports);
      // All four ports answer before the stop, so their being refused after it means something.
      expect((await leftovers(tree, all)).open).toEqual(all);

      stop(npm);

      expect(await leftoversAfterStop(tree, all)).toEqual({ processes: [], open: [] });
    },
  );
});
