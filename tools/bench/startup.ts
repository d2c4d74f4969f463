import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../emulator/local-aws.js';
import { round } from './statistics.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

export interface StartupRun {
  /** From spawning `tsx scripts/start.ts` to its "ready in" line, seconds. */
  readonly readySeconds: number;
  /** What the script itself reports (it starts its clock after its imports), seconds. */
  readonly reportedSeconds: number;
  /** From SIGINT to exit, seconds. */
  readonly stopSeconds: number;
  /** Whether this start synthesized the stack (cache off or missed) or reused the cached assembly. */
  readonly synthesized: boolean;
}

/**
 * `npm start` to ready, as a user sees it (with the synthesized assembly reused from the cache,
 * as on every start after the first, or with `synthCache: false`, as after a change): a fresh data directory, free ports, the time until
 * the "ready in" line, then Ctrl-C (SIGINT) and the time until the process is gone.
 */
export async function measureStartup(
  options: { synthCache: boolean; timeoutMs?: number } = { synthCache: true },
): Promise<StartupRun> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-bench-start-'));
  const [api, dynamodb, sqs, proxy] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const started = performance.now();
  const child = spawn(TSX, ['scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      API_PORT: String(api),
      DYNAMODB_PORT: String(dynamodb),
      SQS_PORT: String(sqs),
      // The signing proxy `npm start` may also run; a fixed default port could be taken.
      PROXY_PORT: String(proxy),
      FUNCTION_URL_PORT: '0',
      CONSOLE_PORT: '0',
      DATA_DIR: dataDir,
      EMULATOR_SYNTH_CACHE: options.synthCache ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const reportedSeconds = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start was not ready within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /ready in ([\d.]+) s/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
      });
    });
    const readySeconds = (performance.now() - started) / 1000;
    const stopping = performance.now();
    child.kill('SIGINT');
    await exited;
    return {
      readySeconds: round(readySeconds),
      reportedSeconds,
      stopSeconds: round((performance.now() - stopping) / 1000),
      synthesized: /stack\s+synthesized in/.test(output),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
