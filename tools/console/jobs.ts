import { randomUUID } from 'node:crypto';

/** A bulk action running in the background, polled by the page for its progress. */
export interface Job {
  readonly id: string;
  readonly action: 'redrive' | 'replay';
  readonly total: number;
  done: number;
  state: 'running' | 'finished' | 'failed';
  result?: unknown;
  error?: string;
}

/** The last few jobs of this run, in memory: the console is one process for one operator. */
export class Jobs {
  readonly #jobs = new Map<string, Job>();
  readonly #keep: number;

  constructor(keep = 50) {
    this.#keep = keep;
  }

  start(
    action: Job['action'],
    total: number,
    run: (progress: (done: number) => void) => Promise<unknown>,
    onError: (error: unknown) => string,
  ): Job {
    const job: Job = { id: randomUUID(), action, total, done: 0, state: 'running' };
    this.#jobs.set(job.id, job);
    for (const id of [...this.#jobs.keys()].slice(0, Math.max(0, this.#jobs.size - this.#keep)))
      this.#jobs.delete(id);
    run((done) => {
      job.done = done;
    }).then(
      (result) => {
        job.result = result;
        job.state = 'finished';
      },
      (error: unknown) => {
        job.error = onError(error);
        job.state = 'failed';
      },
    );
    return job;
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }
}
