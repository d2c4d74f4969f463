import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../emulator/local-aws.js';
import { TEST_STACK_ENV } from './stack-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The entry points as the npm scripts run them: node with tsx's loader, no tsx CLI in between, so
 * the stack sees its parent (this test) die and stops (tools/process/stop-requests.ts).
 */
const NODE_TSX = [process.execPath, ['--import', 'tsx']] as const;

export interface StartedProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Sends SIGINT and resolves with the exit code and how long the stop took. */
  interrupt(): Promise<{ code: number | null; ms: number }>;
  /** SIGKILL to the whole process group (DynamoDB Local too), as a crash or power loss would. */
  kill(): Promise<void>;
}

/**
 * A test that starts the whole stack twice (the first start may synthesize it), beside the run's
 * other files on two cores: a bound for a hung start, not a benchmark.
 */
export const WHOLE_STACK_RESTART_MS = 300_000;

/**
 * A port for an `npm start` a test runs (API_PORT, DYNAMODB_PORT, SQS_PORT): a free one from
 * below the ephemeral range (see `freePort`), which only a server that names its port can take
 * before `npm start` binds it.
 */
export const reservedPort = freePort;

/** Runs `npm start`'s entry point as a user would, and waits for its ready line. */
export function runStart(
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<StartedProcess> {
  return startAndWaitForReady(NODE_TSX[0], [...NODE_TSX[1], 'scripts/start.ts'], env, timeoutMs);
}

/**
 * Runs `npm start` itself (npm, its script shell, then the entry point), for what npm does with
 * signals; the child is npm, the leader of its own process group.
 */
export function runNpmStart(
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<StartedProcess> {
  return startAndWaitForReady('npm', ['start'], env, timeoutMs);
}

async function startAndWaitForReady(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<StartedProcess> {
  const child = spawn(command, args, {
    cwd: ROOT,
    // The signing proxy, the function URL and the console on free ports unless the test names
    // them: suites run side by side. The run's stack settings, so the start reuses the assembly
    // the test run's global setup synthesized rather than bundling the functions again for itself.
    env: {
      ...process.env,
      ...TEST_STACK_ENV,
      PROXY_PORT: '0',
      FUNCTION_URL_PORT: '0',
      CONSOLE_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so kill() can take DynamoDB Local's JVM down with it.
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Nothing it started may outlive the failed start (the group: the JVM too).
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      if (/ready in/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });

  return {
    child,
    output: () => output,
    async kill() {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
    async interrupt() {
      const started = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** Runs the operator CLI the way the README shows (`npm run --silent webhooks -- …`). */
export async function runWebhooksCli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      NODE_TSX[0],
      [...NODE_TSX[1], 'scripts/webhooks.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        // `show` prints a whole payload, which may be megabytes (the claim check).
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
