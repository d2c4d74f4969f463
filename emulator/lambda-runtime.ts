import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const WORKER_FILE = new URL('./lambda-worker.mjs', import.meta.url);

/** Lambda's limit on an invocation's request and response payloads. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface FunctionDefinition {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** Absolute path of the bundled file (the asset's index.mjs). */
  readonly handlerFile: string;
  readonly handlerName: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
}

export class FunctionError extends Error {
  override readonly name = 'FunctionError';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Taken by an invocation, or still starting (not yet free for one). */
  busy: boolean;
  pending?: {
    id: number;
    resolve: (value: unknown) => void;
    reject: (error: Error) => void;
    timer: NodeJS.Timeout;
  };
}

export type LogSink = (functionName: string, stream: 'stdout' | 'stderr', chunk: string) => void;

/**
 * Runs one function as Lambda would: isolated execution environments (worker threads, each
 * with the function's own environment variables and module instance), one invocation at a
 * time per environment, up to `maxConcurrency` environments, the function timeout enforced
 * by discarding the environment, and the memory size as the heap limit.
 *
 * When every environment is busy, a new one starts (one at a time per function) and the
 * invocation takes whichever is free first: the new one once initialised, or a busy one that
 * finishes sooner. On Lambda each environment has its own CPU; here they share a few cores,
 * and an invocation that waited out a cold start (seconds, while others start beside it)
 * instead of a warm environment's next turn (milliseconds) was what made the first seconds
 * after start-up slow.
 */
export class LambdaFunction {
  readonly #definition: FunctionDefinition;
  readonly #maxConcurrency: number;
  readonly #logSink: LogSink;
  readonly #onInvocationEnd: ((fn: LambdaFunction) => void) | undefined;
  readonly #environments = new Set<Environment>();
  readonly #waiting: Array<{
    resolve: (environment: Environment) => void;
    reject: (error: Error) => void;
  }> = [];
  /** How long this function's last environment took to initialise, once one has. */
  #initMs: number | undefined;
  /** Since when invocations have been waiting without a break (performance.now()). */
  #queuedSince: number | undefined;
  /** A scale-out due once invocations have waited without a break for `#initMs`. */
  #scaleOutTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  #stopped = false;
  /** Environments spawned and not yet initialised. */
  #starting = 0;

  constructor(
    definition: FunctionDefinition,
    options: {
      maxConcurrency: number;
      logSink: LogSink;
      /** Called after every invocation, whatever its outcome (what it wrote is now visible). */
      onInvocationEnd?: (fn: LambdaFunction) => void;
    },
  ) {
    this.#definition = definition;
    this.#maxConcurrency = options.maxConcurrency;
    this.#logSink = options.logSink;
    this.#onInvocationEnd = options.onInvocationEnd;
  }

  get definition(): FunctionDefinition {
    return this.#definition;
  }

  /**
   * Starts one environment ahead of the first invocation, so start-up pays the cold start.
   * Without Lambda's init limit: no invocation waits on it, and a busy machine (four functions
   * starting at once beside DynamoDB Local) should make start-up slow, not fail.
   */
  async warm(): Promise<void> {
    if (this.#environments.size === 0) await this.#start({ initLimit: false });
  }

  async invoke<T = unknown>(event: unknown): Promise<T> {
    const payload = JSON.stringify(event);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new FunctionError(
        this.#definition.functionName,
        'RequestTooLargeException',
        'Request payload exceeds 6 MB',
      );
    }
    const environment = await this.#acquire();
    const id = this.#nextId++;
    const timeoutMs = this.#definition.timeoutSeconds * 1000;
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          // Lambda freezes and discards a timed-out environment; its work is simply gone. Like
          // Lambda, the function's log says so: the function itself never gets to.
          this.#discard(environment);
          this.#logSink(
            this.#definition.functionName,
            'stdout',
            `${new Date().toISOString()} Task timed out after ${this.#definition.timeoutSeconds.toFixed(2)} seconds\n`,
          );
          reject(
            new FunctionError(
              this.#definition.functionName,
              'Sandbox.Timedout',
              `Task timed out after ${this.#definition.timeoutSeconds.toFixed(2)} seconds`,
            ),
          );
        }, timeoutMs);
        environment.pending = { id, resolve, reject, timer };
        environment.worker.postMessage({ id, event: payload, deadline: Date.now() + timeoutMs });
      });
      return result as T;
    } finally {
      environment.pending = undefined;
      this.#release(environment);
      this.#onInvocationEnd?.(this);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#scaleOutTimer);
    for (const waiter of this.#waiting.splice(0)) {
      waiter.reject(
        new FunctionError(
          this.#definition.functionName,
          'Runtime.Stopped',
          'The function was stopped',
        ),
      );
    }
    await Promise.all([...this.#environments].map((environment) => this.#discard(environment)));
  }

  /** A free, initialised environment: an idle one now, else the first to become free. */
  #acquire(): Promise<Environment> {
    if (this.#stopped)
      return Promise.reject(new Error(`${this.#definition.functionName} is stopped`));
    for (const environment of this.#environments) {
      if (!environment.busy) {
        environment.busy = true;
        return Promise.resolve(environment);
      }
    }
    const waiting = new Promise<Environment>((resolve, reject) =>
      this.#waiting.push({ resolve, reject }),
    );
    this.#queuedSince ??= performance.now();
    this.#scaleOut();
    return waiting;
  }

  /**
   * Starts one more environment while invocations wait and none is starting already, once
   * invocations have been waiting without a break for as long as an environment of this
   * function takes to initialise. Lambda starts one at once, on hardware of its own; here every
   * environment shares the host's cores, and a start costs them its whole init (seconds of CPU
   * on a busy machine). An invocation takes whichever environment is free first anyway, so a
   * start only pays off when the queue outlasts a start: after a few slow first invocations,
   * starting environments for a queue that a warm one drains in milliseconds was most of the
   * emulator's CPU in the first seconds after ready. A queue that lasts (a sender at a steady
   * concurrency above what the environments serve) gets one more environment per start time,
   * up to the function's concurrency: timing the oldest waiter instead kept capture at one
   * environment under 64 concurrent senders, whose waits stay shorter than a start.
   */
  #scaleOut(): void {
    clearTimeout(this.#scaleOutTimer);
    this.#scaleOutTimer = undefined;
    const queuedSince = this.#queuedSince;
    if (
      this.#stopped ||
      this.#starting > 0 ||
      queuedSince === undefined ||
      this.#waiting.length === 0 ||
      this.#environments.size >= this.#maxConcurrency
    )
      return;
    const due = queuedSince + (this.#initMs ?? 0) - performance.now();
    if (due > 0) {
      this.#scaleOutTimer = setTimeout(() => this.#scaleOut(), due);
      return;
    }
    // A failed start has already rejected the invocation waiting longest (Lambda's init error).
    this.#start({ initLimit: true }).catch(() => {});
  }

  /**
   * Spawns an environment and initialises it (within Lambda's init limit); once ready it serves
   * the invocation waiting longest, or waits idle. If initialisation fails, the environment is
   * discarded; with no other environment, that invocation gets the init error, as on Lambda,
   * and the next one tries again.
   */
  async #start(options: { initLimit: boolean }): Promise<void> {
    const environment = this.#spawn();
    environment.busy = true;
    this.#starting++;
    const began = performance.now();
    try {
      await (options.initLimit
        ? withInitTimeout(environment.ready, this.#definition)
        : environment.ready);
      this.#initMs = performance.now() - began;
    } catch (error) {
      this.#starting--;
      this.#discard(environment);
      // Lambda fails the invocation whose environment did not initialise. Here none is bound
      // to one: the invocation waiting longest gets the error only when no other environment
      // could serve it; otherwise it waits for a busy one (a slow machine can take longer than
      // the init limit to start an environment beside working ones).
      if (this.#environments.size === 0) {
        this.#waiting.shift()?.reject(error as Error);
        if (this.#waiting.length === 0) this.#queuedSince = undefined;
        this.#scaleOut();
      }
      throw error;
    }
    this.#starting--;
    this.#release(environment);
    this.#scaleOut();
  }

  #release(environment: Environment): void {
    if (!this.#environments.has(environment)) {
      // It was discarded (timeout, crash): a waiter gets a fresh one.
      this.#scaleOut();
      return;
    }
    const next = this.#waiting.shift();
    if (this.#waiting.length === 0) this.#queuedSince = undefined;
    if (next) next.resolve(environment);
    else environment.busy = false;
  }

  #spawn(): Environment {
    const d = this.#definition;
    const worker = new Worker(WORKER_FILE, {
      workerData: {
        handlerFile: d.handlerFile,
        handlerName: d.handlerName,
        functionName: d.functionName,
        functionArn: d.functionArn,
        memorySize: d.memorySize,
      },
      env: { ...d.environment },
      // Plain Node.js, as Lambda runs it: not the options of the process hosting the emulator
      // (`--import tsx` there would load a TypeScript loader into every environment, which
      // took most of each cold start). Only a CPU profiler (`npm run bench -- --profile`) carries
      // over, so that each environment's thread writes its own profile.
      execArgv: profilerOptions(process.execArgv),
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: d.memorySize },
    });
    worker.stdout
      .setEncoding('utf8')
      .on('data', (chunk: string) => this.#logSink(d.functionName, 'stdout', chunk));
    worker.stderr
      .setEncoding('utf8')
      .on('data', (chunk: string) => this.#logSink(d.functionName, 'stderr', chunk));

    let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    ready.catch(() => {});
    const environment: Environment = { worker, ready, busy: false };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') settleReady?.resolve();
      else if (message.type === 'init-error') {
        settleReady?.reject(
          new FunctionError(
            d.functionName,
            `Runtime.${message.error.errorType}`,
            message.error.errorMessage,
          ),
        );
      } else if (message.type === 'result' && environment.pending?.id === message.id) {
        const { resolve, reject, timer } = environment.pending;
        clearTimeout(timer);
        if (message.ok && Buffer.byteLength(message.result) > MAX_PAYLOAD_BYTES) {
          reject(
            new FunctionError(
              d.functionName,
              'Function.ResponseSizeTooLarge',
              'Response payload exceeds 6 MB',
            ),
          );
        } else if (message.ok) resolve(JSON.parse(message.result));
        else
          reject(
            new FunctionError(d.functionName, message.error.errorType, message.error.errorMessage),
          );
      }
    });
    const onExit = (error?: Error) => {
      settleReady?.reject(
        error ?? new FunctionError(d.functionName, 'Runtime.ExitError', 'The environment exited'),
      );
      if (environment.pending) {
        clearTimeout(environment.pending.timer);
        environment.pending.reject(
          new FunctionError(
            d.functionName,
            'Runtime.ExitError',
            error?.message ?? 'The environment exited during the invocation',
          ),
        );
      }
      this.#environments.delete(environment);
    };
    worker.once('error', (error) => onExit(error));
    worker.once('exit', () => onExit());
    this.#environments.add(environment);
    return environment;
  }

  #discard(environment: Environment): Promise<number> {
    this.#environments.delete(environment);
    return environment.worker.terminate();
  }
}

/** Lambda gives a function's initialisation 10 s (or its timeout, if longer) before it fails. */
function withInitTimeout(ready: Promise<void>, definition: FunctionDefinition): Promise<void> {
  const limitMs = Math.max(10, definition.timeoutSeconds) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FunctionError(
            definition.functionName,
            'Runtime.InitTimeout',
            `Init did not finish within ${limitMs / 1000} s`,
          ),
        ),
      limitMs,
    );
  });
  return Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: { errorType: string; errorMessage: string } }
  | { type: 'result'; id: number; ok: true; result: string }
  | { type: 'result'; id: number; ok: false; error: { errorType: string; errorMessage: string } };

/**
 * The CPU profiler's options among a process's, to pass on to the threads it starts. Not
 * `--cpu-prof-name`: every thread would write the same file.
 */
export function profilerOptions(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const option = execArgv[i]!;
    const name = option.split('=')[0]!;
    if (name === '--cpu-prof') kept.push(option);
    else if (name === '--cpu-prof-dir' || name === '--cpu-prof-interval') {
      kept.push(option);
      if (!option.includes('=') && i + 1 < execArgv.length) kept.push(execArgv[++i]!);
    } else if (name === '--cpu-prof-name' && !option.includes('=')) i++;
  }
  return kept;
}
