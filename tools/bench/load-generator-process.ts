import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult } from './load-generator.js';

const ENTRY = fileURLToPath(new URL('./load-generator.ts', import.meta.url));

/** The load generator's process: one job at a time, answered over IPC. */
export class LoadGeneratorProcess {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = fork(ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`The load generator exited (${code}) during a ${job.kind} job`));
      this.#child.once('exit', onExit);
      this.#child.once(
        'message',
        (message: { ok: boolean; result?: LoadResult; error?: string }) => {
          this.#child.off('exit', onExit);
          if (message.ok) resolve(message.result!);
          else reject(new Error(`The load generator failed: ${message.error}`));
        },
      );
      this.#child.send(job);
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }
}
