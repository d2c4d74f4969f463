import type { Logger } from 'pino';
import { sleep } from './local-aws.js';

/**
 * One polling loop, shared by the SQS and stream event sources and the topic inbox: `poll` runs
 * until `stop()`, again at once after a poll that found work, after `idleMs` after one that did
 * not, and after `retryMs` (logged) after one that threw. `wake()` ends an idle pause at once
 * (or, during a poll, skips the next one): whoever knows that work has just arrived says so, and
 * the loop neither waits out its pause nor has to poll faster to keep latency low. `poll` gets
 * the loop's abort signal and should hand it to its long polls, so `stop()` does not wait for
 * them.
 */
export class Poller {
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Set by `wake()`; cleared when a poll starts, so a wake during a poll means "poll again". */
  #woken = false;
  #endPause: (() => void) | undefined;

  constructor(
    private readonly poll: (signal: AbortSignal) => Promise<{ busy: boolean }>,
    private readonly options: {
      /** Pause after a poll that found nothing (0 for a long poll, which waits by itself). */
      readonly idleMs: number;
      readonly retryMs?: number;
      readonly log: Logger;
      /** Log message when a poll fails: "SQS receive failed; retrying". */
      readonly failure: string;
    },
  ) {}

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Work may have arrived: poll now instead of after the idle pause. */
  wake(): void {
    this.#woken = true;
    this.#endPause?.();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        this.#woken = false;
        const { busy } = await this.poll(signal);
        if (!busy && this.options.idleMs > 0) await this.#pause(this.options.idleMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        this.options.log.warn({ err: (error as Error).message }, this.options.failure);
        await sleep(this.options.retryMs ?? 1000, signal);
      }
    }
  }

  /** The idle pause: `ms`, or until `wake()` or `stop()`, whichever comes first. */
  #pause(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#woken || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#endPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#endPause = done;
    });
  }
}
