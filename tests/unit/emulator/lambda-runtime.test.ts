import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type FunctionDefinition,
  FunctionError,
  LambdaFunction,
  type LogSink,
  MAX_PAYLOAD_BYTES,
  profilerOptions,
} from '../../../emulator/lambda-runtime.js';

// Tiny handler bundles, written as the real assets are: plain ES modules the worker imports.
const HANDLERS: Record<string, string> = {
  'echo.mjs': `
    export const handler = async (event) => ({
      received: event,
      when: new Date(0),
      dropped: undefined,
      method() {},
    });
    export const nothing = async () => undefined;
  `,
  'fails.mjs': `
    class ValidationError extends Error {
      constructor(message) {
        super(message);
        this.name = 'ValidationError';
      }
    }
    export const handler = async () => {
      throw new ValidationError('amount must be positive');
    };
    export const throwsString = async () => {
      throw 'a plain string';
    };
  `,
  'state.mjs': `
    let count = 0;
    export const handler = async (event) => {
      count += 1;
      if (event.hang) await new Promise(() => {});
      if (event.exit) process.exit(3);
      if (event.fail) throw new Error('asked to fail');
      if (event.log) console.log(event.log);
      return { count, x: process.env.X ?? null, envKeys: Object.keys(process.env).sort() };
    };
  `,
  'context.mjs': `
    export const handler = async (_event, context) => {
      const first = context.getRemainingTimeInMillis();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return {
        first,
        second: context.getRemainingTimeInMillis(),
        functionName: context.functionName,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        awsRequestId: context.awsRequestId,
      };
    };
  `,
  'slow.mjs': `
    import { threadId } from 'node:worker_threads';
    export const handler = async (event) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { start, end: Date.now(), threadId };
    };
  `,
  'rendezvous.mjs': `
    import fs from 'node:fs';
    import path from 'node:path';
    import { threadId } from 'node:worker_threads';
    // Announces itself, then waits for its peer: only two invocations running at the same
    // time can both see each other, however slowly their environments start.
    export const handler = async ({ dir, me, peer }) => {
      const start = Date.now();
      fs.writeFileSync(path.join(dir, me), '');
      const giveUpAt = Date.now() + 5000;
      let sawPeer = true;
      while (!fs.existsSync(path.join(dir, peer))) {
        if (Date.now() > giveUpAt) {
          sawPeer = false;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return { start, end: Date.now(), threadId, sawPeer };
    };
  `,
  'slow-second-init.mjs': `
    import fs from 'node:fs';
    import { threadId } from 'node:worker_threads';
    // The first environment initialises at once, every later one takes 3 s (a cold start on a
    // busy machine).
    if (fs.existsSync(process.env.MARKER)) await new Promise((resolve) => setTimeout(resolve, 3000));
    else fs.writeFileSync(process.env.MARKER, '');
    export const handler = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { threadId };
    };
  `,
  'counted-slow-init.mjs': `
    import fs from 'node:fs';
    import { threadId } from 'node:worker_threads';
    // Every environment's init takes INIT_MS and leaves a line in INITS.
    fs.appendFileSync(process.env.INITS, 'init\\n');
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.INIT_MS)));
    export const handler = async (event) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { start, end: Date.now(), threadId };
    };
  `,
  'second-init-throws.mjs': `
    import fs from 'node:fs';
    import { threadId } from 'node:worker_threads';
    // The first environment initialises, every later one fails to (a cold start that ran past
    // the init limit on a busy machine fails the same way).
    if (fs.existsSync(process.env.MARKER)) throw new Error('this environment did not initialise');
    fs.writeFileSync(process.env.MARKER, '');
    export const handler = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { threadId };
    };
  `,
  'size.mjs': `
    export const handler = async (event) => event.length;
    export const inflate = async (event) => 'x'.repeat(event.chars);
  `,
  'init-throws.mjs': `
    throw new TypeError('cannot read the configuration at init');
  `,
};

let dir: string;
const created: LambdaFunction[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-runtime-test-'));
  for (const [file, source] of Object.entries(HANDLERS)) {
    fs.writeFileSync(path.join(dir, file), source);
  }
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(created.splice(0).map((fn) => fn.stop()));
});

function makeFunction(
  file: string,
  overrides: Partial<FunctionDefinition> = {},
  options: { maxConcurrency?: number; logSink?: LogSink } = {},
): LambdaFunction {
  const functionName = overrides.functionName ?? `test-${path.basename(file, '.mjs')}`;
  const fn = new LambdaFunction(
    {
      logicalId: 'TestFunction',
      functionName,
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
      handlerFile: path.join(dir, file),
      handlerName: 'handler',
      timeoutSeconds: 5,
      memorySize: 128,
      environment: {},
      ...overrides,
    },
    { maxConcurrency: options.maxConcurrency ?? 1, logSink: options.logSink ?? (() => {}) },
  );
  created.push(fn);
  return fn;
}

async function functionError(invocation: Promise<unknown>): Promise<FunctionError> {
  const error = await invocation.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FunctionError);
  return error as FunctionError;
}

interface StateResult {
  count: number;
  x: string | null;
  envKeys: string[];
}

interface SlowResult {
  start: number;
  end: number;
  threadId: number;
}

describe('LambdaFunction: results', () => {
  it('returns the result JSON-round-tripped, as Lambda serialises it', async () => {
    const fn = makeFunction('echo.mjs');
    const event = { a: 1, nested: [1, 'two', null, { deep: true }] };

    const result = await fn.invoke<Record<string, unknown>>(event);

    expect(result).toEqual({ received: event, when: '1970-01-01T00:00:00.000Z' });
    expect(result).not.toHaveProperty('dropped');
    expect(result).not.toHaveProperty('method');
    expect(result.received).not.toBe(event);
  });

  it('returns null for a handler that returns undefined', async () => {
    const fn = makeFunction('echo.mjs', { handlerName: 'nothing' });
    expect(await fn.invoke({})).toBeNull();
  });

  it('exposes its definition', () => {
    const fn = makeFunction('echo.mjs', { functionName: 'named' });
    expect(fn.definition.functionName).toBe('named');
  });
});

describe('LambdaFunction: function errors', () => {
  it('turns a thrown error into a FunctionError with its errorType and message', async () => {
    const fn = makeFunction('fails.mjs', { functionName: 'payments' });

    const error = await functionError(fn.invoke({}));

    expect(error.functionName).toBe('payments');
    expect(error.errorType).toBe('ValidationError');
    expect(error.message).toBe('payments: ValidationError: amount must be positive');
  });

  it('turns a thrown non-Error into errorType Error with its text', async () => {
    const fn = makeFunction('fails.mjs', { handlerName: 'throwsString' });
    const error = await functionError(fn.invoke({}));
    expect(error.errorType).toBe('Error');
    expect(error.message).toContain('a plain string');
  });

  it('keeps the environment after a function error: module state survives', async () => {
    const fn = makeFunction('state.mjs');
    expect((await fn.invoke<StateResult>({})).count).toBe(1);
    // A handler error is an ordinary response in Lambda; only crashes and timeouts reset.
    expect((await functionError(fn.invoke({ fail: true }))).message).toContain('asked to fail');
    expect((await fn.invoke<StateResult>({})).count).toBe(3);
  });
});

describe('LambdaFunction: timeout', () => {
  it('rejects a handler that never resolves with Sandbox.Timedout', async () => {
    const fn = makeFunction('state.mjs', { timeoutSeconds: 1 });

    const error = await functionError(fn.invoke({ hang: true }));

    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.message).toContain('Task timed out after 1.00 seconds');
  });

  it("says so in the function's log, as Lambda does, since the function itself cannot", async () => {
    const logSink = vi.fn<LogSink>();
    const fn = makeFunction('state.mjs', { timeoutSeconds: 1, functionName: 'slow' }, { logSink });

    await functionError(fn.invoke({ hang: true }));

    const lines = logSink.mock.calls
      .filter(([name]) => name === 'slow')
      .map(([, , chunk]) => chunk);
    expect(lines.some((line) => /Task timed out after 1\.00 seconds/.test(line))).toBe(true);
  });

  it('runs the next invocation in a fresh environment', async () => {
    const fn = makeFunction('state.mjs', { timeoutSeconds: 1 });
    expect((await fn.invoke<StateResult>({})).count).toBe(1);
    expect((await fn.invoke<StateResult>({})).count).toBe(2);

    await functionError(fn.invoke({ hang: true }));

    // Module state restarts at 1: the timed-out environment (count 3) was discarded.
    expect((await fn.invoke<StateResult>({})).count).toBe(1);
  });

  it('gives an invocation queued behind a timed-out one a fresh environment', async () => {
    const fn = makeFunction('state.mjs', { timeoutSeconds: 1 }, { maxConcurrency: 1 });

    const hanging = functionError(fn.invoke({ hang: true }));
    const queued = fn.invoke<StateResult>({});

    expect((await hanging).errorType).toBe('Sandbox.Timedout');
    expect((await queued).count).toBe(1);
  });
});

describe('LambdaFunction: crashes', () => {
  it('rejects an invocation whose environment exits with Runtime.ExitError, then recovers', async () => {
    const fn = makeFunction('state.mjs');
    await fn.invoke({});

    const error = await functionError(fn.invoke({ exit: true }));

    expect(error.errorType).toBe('Runtime.ExitError');
    expect((await fn.invoke<StateResult>({})).count).toBe(1);
  });
});

describe('LambdaFunction: isolation', () => {
  it('gives each function only its own environment variables', async () => {
    const a = makeFunction('state.mjs', { functionName: 'a', environment: { X: 'from-a' } });
    const b = makeFunction('state.mjs', { functionName: 'b', environment: { X: 'from-b' } });

    const [resultA, resultB] = await Promise.all([
      a.invoke<StateResult>({}),
      b.invoke<StateResult>({}),
    ]);

    expect(resultA.x).toBe('from-a');
    expect(resultB.x).toBe('from-b');
    // Nothing of the test runner's own environment (PATH, HOME, AWS_*) leaks in.
    expect(resultA.envKeys).toEqual(['X']);
    expect(resultB.envKeys).toEqual(['X']);
  });

  it('does not let a handler see the environment of the process hosting it', async () => {
    expect(process.env.PATH).toBeDefined();
    const fn = makeFunction('state.mjs');
    expect((await fn.invoke<StateResult>({})).envKeys).toEqual([]);
  });

  it('keeps module state per environment across invocations', async () => {
    const fn = makeFunction('state.mjs');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) counts.push((await fn.invoke<StateResult>({})).count);
    expect(counts).toEqual([1, 2, 3]);
  });

  it('does not share module state between functions of the same bundle', async () => {
    const a = makeFunction('state.mjs', { functionName: 'a' });
    const b = makeFunction('state.mjs', { functionName: 'b' });
    expect((await a.invoke<StateResult>({})).count).toBe(1);
    expect((await a.invoke<StateResult>({})).count).toBe(2);
    expect((await b.invoke<StateResult>({})).count).toBe(1);
  });
});

describe('LambdaFunction: context', () => {
  it('reports a positive remaining time, at most the timeout, that counts down', async () => {
    const fn = makeFunction('context.mjs', { timeoutSeconds: 3 });

    const result = await fn.invoke<{ first: number; second: number }>({});

    expect(result.first).toBeGreaterThan(0);
    expect(result.first).toBeLessThanOrEqual(3000);
    expect(result.second).toBeGreaterThan(0);
    expect(result.second).toBeLessThan(result.first);
  });

  it('describes the function', async () => {
    const fn = makeFunction('context.mjs', { functionName: 'ctx', memorySize: 256 });

    const result = await fn.invoke<Record<string, unknown>>({});

    expect(result).toMatchObject({
      functionName: 'ctx',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx',
      memoryLimitInMB: '256',
    });
    expect(result.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('LambdaFunction: concurrency', () => {
  it('runs two invocations in parallel, in two environments, with maxConcurrency 2', async () => {
    const fn = makeFunction('rendezvous.mjs', { timeoutSeconds: 10 }, { maxConcurrency: 2 });
    const meeting = fs.mkdtempSync(path.join(dir, 'meeting-'));

    const [a, b] = await Promise.all([
      fn.invoke<SlowResult & { sawPeer: boolean }>({ dir: meeting, me: 'a', peer: 'b' }),
      fn.invoke<SlowResult & { sawPeer: boolean }>({ dir: meeting, me: 'b', peer: 'a' }),
    ]);

    expect([a.sawPeer, b.sawPeer]).toEqual([true, true]);
    // Each started before the other ended: the two overlapped.
    expect(a.start).toBeLessThanOrEqual(b.end);
    expect(b.start).toBeLessThanOrEqual(a.end);
    expect(a.threadId).not.toBe(b.threadId);
  });

  it('runs them one after the other with maxConcurrency 1', async () => {
    const fn = makeFunction('slow.mjs', {}, { maxConcurrency: 1 });

    const [a, b] = await Promise.all([
      fn.invoke<SlowResult>({ ms: 100 }),
      fn.invoke<SlowResult>({ ms: 100 }),
    ]);

    const [first, second] = a.start <= b.start ? [a, b] : [b, a];
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    expect(a.threadId).toBe(b.threadId);
  });

  it('gives an invocation the busy environment that frees first, not a slower cold start', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(dir, 'marker-')), 'first-init');
    const fn = makeFunction(
      'slow-second-init.mjs',
      { timeoutSeconds: 10, environment: { MARKER: marker } },
      { maxConcurrency: 2 },
    );
    await fn.warm();

    const [first, second] = await Promise.all([
      fn.invoke<{ threadId: number }>({ ms: 200 }),
      fn.invoke<{ threadId: number }>({ ms: 0 }),
    ]);

    // The second waited 200 ms for the warm environment instead of 3 s for a new one.
    expect(second.threadId).toBe(first.threadId);
  });

  it('keeps an invocation waiting for a busy environment when a new one fails to initialise', async () => {
    const marker = path.join(fs.mkdtempSync(path.join(dir, 'marker-')), 'first-init');
    const fn = makeFunction(
      'second-init-throws.mjs',
      { timeoutSeconds: 10, environment: { MARKER: marker } },
      { maxConcurrency: 2 },
    );
    await fn.warm();

    const [first, second] = await Promise.all([
      fn.invoke<{ threadId: number }>({ ms: 1_000 }),
      fn.invoke<{ threadId: number }>({ ms: 0 }),
    ]);

    expect(second.threadId).toBe(first.threadId);
  });

  it('starts no environment for an invocation that a busy one serves sooner than a start would', async () => {
    const inits = path.join(fs.mkdtempSync(path.join(dir, 'inits-')), 'inits');
    const fn = makeFunction(
      'counted-slow-init.mjs',
      { timeoutSeconds: 10, environment: { INITS: inits, INIT_MS: '1500' } },
      { maxConcurrency: 2 },
    );
    await fn.warm();

    const [first, second] = await Promise.all([
      fn.invoke<SlowResult>({ ms: 200 }),
      fn.invoke<SlowResult>({ ms: 0 }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(second.threadId).toBe(first.threadId);
    // Only the warmed environment was ever started: none for a wait shorter than an init.
    expect(fs.readFileSync(inits, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  /**
   * A function whose environments take `initMs` to start, warmed, then `senders` callers each
   * invoking it (`invocationMs` per invocation) one after another until a second environment
   * has served one, or a bound for a start on a loaded machine runs out. Returns the threads seen.
   */
  async function sendUntilTwoEnvironments(options: {
    initMs: number;
    maxConcurrency: number;
    senders: number;
    invocationMs: number;
  }): Promise<Set<number>> {
    const inits = path.join(fs.mkdtempSync(path.join(dir, 'inits-')), 'inits');
    const fn = makeFunction(
      'counted-slow-init.mjs',
      { timeoutSeconds: 10, environment: { INITS: inits, INIT_MS: String(options.initMs) } },
      { maxConcurrency: options.maxConcurrency },
    );
    await fn.warm();
    const threads = new Set<number>();
    const until = Date.now() + 20_000;
    await Promise.all(
      Array.from({ length: options.senders }, async () => {
        while (threads.size < 2 && Date.now() < until)
          threads.add((await fn.invoke<SlowResult>({ ms: options.invocationMs })).threadId);
      }),
    );
    return threads;
  }

  it('starts another environment once invocations wait longer than a start takes', async () => {
    const threads = await sendUntilTwoEnvironments({
      initMs: 50,
      maxConcurrency: 2,
      senders: 3,
      invocationMs: 300,
    });

    expect(threads.size).toBe(2);
  });

  it('gives a queue that lasts more environments, though each wait is shorter than a start', async () => {
    // Four senders of 60 ms invocations: every wait is at most three invocations long, shorter
    // than a start, but the queue never empties.
    const threads = await sendUntilTwoEnvironments({
      initMs: 300,
      maxConcurrency: 4,
      senders: 4,
      invocationMs: 60,
    });

    expect(threads.size).toBeGreaterThan(1);
  });

  it('never uses more environments than maxConcurrency', async () => {
    const fn = makeFunction('slow.mjs', {}, { maxConcurrency: 2 });

    const results = await Promise.all(
      Array.from({ length: 5 }, () => fn.invoke<SlowResult>({ ms: 50 })),
    );

    // At most two; whether the second is used depends on how soon it starts (the first takes
    // whatever waits while the second is initialising).
    expect(new Set(results.map((r) => r.threadId)).size).toBeLessThanOrEqual(2);
  });
});

describe('LambdaFunction: init errors', () => {
  it('rejects with Runtime.<ErrorName> when the handler file throws at import', async () => {
    const fn = makeFunction('init-throws.mjs');

    const error = await functionError(fn.invoke({}));

    expect(error.errorType).toBe('Runtime.TypeError');
    expect(error.message).toContain('cannot read the configuration at init');
  });

  it('retries init on the next invocation rather than reusing the failed environment', async () => {
    const fn = makeFunction('init-throws.mjs');
    expect((await functionError(fn.invoke({}))).errorType).toBe('Runtime.TypeError');
    expect((await functionError(fn.invoke({}))).errorType).toBe('Runtime.TypeError');
  });

  it('rejects when the module does not export the handler', async () => {
    const fn = makeFunction('state.mjs', { handlerName: 'missing' });

    const error = await functionError(fn.invoke({}));

    expect(error.errorType).toMatch(/^Runtime\./);
    expect(error.message).toContain('does not export a function named missing');
  });

  it('rejects every queued invocation when the environment fails to initialise', async () => {
    const fn = makeFunction('init-throws.mjs', {}, { maxConcurrency: 1 });
    const results = await Promise.allSettled([fn.invoke({}), fn.invoke({})]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        errorType: 'Runtime.TypeError',
      });
    }
  });

  it('surfaces an init error from warm()', async () => {
    const fn = makeFunction('init-throws.mjs');
    await expect(fn.warm()).rejects.toMatchObject({ errorType: 'Runtime.TypeError' });
  });
});

describe('LambdaFunction: payload limit', () => {
  it('rejects a >6 MB event with RequestTooLargeException without running the handler', async () => {
    const fn = makeFunction('state.mjs');

    const error = await functionError(fn.invoke({ data: 'x'.repeat(MAX_PAYLOAD_BYTES) }));

    expect(error.errorType).toBe('RequestTooLargeException');
    // Had the handler run, this would be its second invocation in the environment.
    expect((await fn.invoke<StateResult>({})).count).toBe(1);
  });

  it('measures the limit in bytes of the serialised event, not in characters', async () => {
    const fn = makeFunction('size.mjs');
    // Two bytes each in UTF-8: under the limit in characters, over it in bytes.
    const error = await functionError(fn.invoke('é'.repeat(MAX_PAYLOAD_BYTES / 2)));
    expect(error.errorType).toBe('RequestTooLargeException');
  });

  it('accepts an event of exactly 6 MB and rejects one byte more', async () => {
    const fn = makeFunction('size.mjs');
    // JSON.stringify adds the two quotes around a string.
    const exact = 'x'.repeat(MAX_PAYLOAD_BYTES - 2);
    expect(await fn.invoke(exact)).toBe(MAX_PAYLOAD_BYTES - 2);
    const error = await functionError(fn.invoke(`${exact}x`));
    expect(error.errorType).toBe('RequestTooLargeException');
  });
});

describe('LambdaFunction: response limit', () => {
  it('returns a 6 MB response and rejects one byte more', async () => {
    const fn = makeFunction('size.mjs', { handlerName: 'inflate' });
    // The serialised response is the string plus its two quotes.
    const fits = await fn.invoke<string>({ chars: MAX_PAYLOAD_BYTES - 2 });
    expect(fits).toHaveLength(MAX_PAYLOAD_BYTES - 2);

    const error = await functionError(fn.invoke({ chars: MAX_PAYLOAD_BYTES - 1 }));
    expect(error.errorType).toMatch(/ResponseSizeTooLarge$/);
  });
});

describe('LambdaFunction: invocation end', () => {
  it('tells its listener after every invocation, failed ones included', async () => {
    const onInvocationEnd = vi.fn();
    const fn = new LambdaFunction(
      {
        logicalId: 'TestFunction',
        functionName: 'test-ends',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-ends',
        handlerFile: path.join(dir, 'state.mjs'),
        handlerName: 'handler',
        timeoutSeconds: 5,
        memorySize: 128,
        environment: {},
      },
      { maxConcurrency: 1, logSink: () => {}, onInvocationEnd },
    );
    created.push(fn);

    await fn.invoke({});
    expect(onInvocationEnd).toHaveBeenCalledTimes(1);
    await functionError(fn.invoke({ fail: true }));
    expect(onInvocationEnd).toHaveBeenCalledTimes(2);
  });
});

describe('LambdaFunction: logs and lifecycle', () => {
  it("sends the handler's stdout to the log sink under the function's name", async () => {
    const logSink = vi.fn<LogSink>();
    const fn = makeFunction('state.mjs', { functionName: 'logger' }, { logSink });

    await fn.invoke({ log: 'hello from the handler' });

    await vi.waitFor(() => {
      const stdout = logSink.mock.calls
        .filter(([name, stream]) => name === 'logger' && stream === 'stdout')
        .map(([, , chunk]) => chunk)
        .join('');
      expect(stdout).toContain('hello from the handler');
    });
  });

  it('rejects invocations still queued when stop() is called', async () => {
    const fn = makeFunction('state.mjs', {}, { maxConcurrency: 1 });
    const running = fn.invoke({ hang: true });
    const queued = fn.invoke({});
    const settled = Promise.allSettled([running, queued]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fn.stop();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('refuses invocations after stop()', async () => {
    const fn = makeFunction('state.mjs');
    await fn.invoke({});
    await fn.stop();
    await expect(fn.invoke({})).rejects.toThrow(/stopped/);
  });
});

describe('profilerOptions', () => {
  it("passes the CPU profiler's options on to the environments, and nothing else", () => {
    expect(
      profilerOptions([
        '--import',
        'tsx',
        '--cpu-prof',
        '--cpu-prof-dir',
        '/tmp/p',
        '--cpu-prof-interval=500',
        '--cpu-prof-name',
        'one.cpuprofile',
        '--max-old-space-size=512',
      ]),
    ).toEqual(['--cpu-prof', '--cpu-prof-dir', '/tmp/p', '--cpu-prof-interval=500']);
    expect(profilerOptions(['--import', 'tsx'])).toEqual([]);
  });
});
