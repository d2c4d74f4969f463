// This machine may run Node.js 20; Lambda runs 22. The SDK's notice about it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startEmulator } from '../emulator/emulator.js';
import { resolveProfile } from '../stack/profile.js';
import { measureBundles } from '../tools/bench/bundle-sizes.js';
import { CpuMeter, dynamodbLocalPid, perOperation } from '../tools/bench/cpu-accounting.js';
import { formatProfileSummary, summarizeCpuProfile } from '../tools/bench/cpu-profile-summary.js';
import { FunctionLogTap } from '../tools/bench/function-log-tap.js';
import { climb, describeStep, idleCores, type LadderRun, rateStep } from '../tools/bench/ladder.js';
import type { LoadResult } from '../tools/bench/load-generator.js';
import { LoadGeneratorProcess } from '../tools/bench/load-generator-process.js';
import { describeMachine } from '../tools/bench/machine.js';
import {
  BENCH_SETTINGS,
  type BenchResults,
  consoleTable,
  evaluateTargets,
  type FailurePath,
  type Level,
  markdownReport,
  PROJECT_ROOT,
} from '../tools/bench/report.js';
import { measureStartup, type StartupRun } from '../tools/bench/startup.js';
import { median, round } from '../tools/bench/statistics.js';
import { measureWorkerHop } from '../tools/bench/worker-hop.js';
import { RECEIVER_PRESENTATION } from '../tools/receiver-presentation.js';

/*
 * `npm run bench [-- --quick] [-- --wait-idle] [-- --profile]`: the receiver's figures, side by
 * side in one run: the ladder of steady rates end to end on the embedded stack with its data
 * directory on disk (what `npm start` runs) and in memory, then capture throughput, the
 * failure path and the parts of a capture in memory. Writes bench/results.json and
 * docs/benchmarks.md. Figures only: nothing here fails on a missed target. With --profile the
 * run happens under `node --cpu-prof` (the emulator's main thread and each function's worker
 * thread) and a summary of where the CPU time went is printed and kept in bench/profile/.
 */
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'wait-idle': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    /** Only rewrite docs/benchmarks.md from bench/results.json (after editing the analysis). */
    report: { type: 'boolean', default: false },
    /** Execution environments per function (the emulator's default is 8). */
    'max-concurrency': { type: 'string' },
    /** Records of a stream batch the process function runs at once (the local profile's is 10, the whole batch). */
    'stream-record-concurrency': { type: 'string' },
  },
});
const maxConcurrency = flags['max-concurrency'] ? Number(flags['max-concurrency']) : undefined;
const streamRecordConcurrency = flags['stream-record-concurrency']
  ? Number(flags['stream-record-concurrency'])
  : undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);
if (flags.profile && !process.env.BENCH_PROFILE_DIR) process.exit(await runProfiled());
const mode = flags.quick ? 'quick' : 'full';
const settings = BENCH_SETTINGS[mode];
// The bench stores into the embedded stack, which runs the local profile.
const RETENTION_DAYS = resolveProfile('local', {}).retentionDays;

const resultsFile = join(PROJECT_ROOT, 'bench', 'results.json');
const previous = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults)
  : undefined;

if (flags.report) {
  if (!previous) throw new Error('No bench/results.json yet: run `npm run bench` first.');
  const docFile = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
  writeFileSync(docFile, markdownReport(previous, readFileSync(docFile, 'utf8')));
  say(consoleTable(previous));
  process.exit(0);
}
if (flags['wait-idle']) await waitForIdle();
const machine = describeMachine();
const runStarted = performance.now();
say(
  `Benchmark (${mode}) on ${machine.nproc} × ${machine.cpuModel}, load ${machine.loadAtStart.join(' ')}`,
);

say('· bundle sizes (synthesizing the stack)');
const bundles = await measureBundles();

say(`· start-up: npm start to ready, once synthesizing, then ${settings.startupRuns} time(s)`);
const startupRuns: StartupRun[] = [];
for (let i = 0; i <= settings.startupRuns; i++) {
  // The first start synthesizes, as after a change; the others may reuse the cached assembly.
  let run: StartupRun;
  try {
    run = await measureStartup({ synthCache: i > 0 });
  } catch (error) {
    // A start that failed (a shared machine can take DynamoDB Local past its 30 s) is reported,
    // not the end of the run.
    say(
      `    run ${i + 1}: failed: ${(error as Error).message.split('\n')[1] ?? (error as Error).message}`,
    );
    continue;
  }
  startupRuns.push(run);
  say(
    `    run ${i + 1}: ready in ${run.readySeconds} s (${run.synthesized ? 'synthesized' : 'assembly reused'}; stopped in ${run.stopSeconds} s)`,
  );
}
const reusedStarts = startupRuns.filter((r) => !r.synthesized);
const synthesizingStarts = startupRuns.filter((r) => r.synthesized);

const tap = new FunctionLogTap();
const load = new LoadGeneratorProcess();
// Quiet: the dead webhook of the failure path would print an operator notification to stdout.
// Spread in, so the bench still compiles where the emulator has no such option.
const quietNotifications = { onNotification: () => {} };
const startStack = (dataDir: string | undefined) =>
  startEmulator({
    ...RECEIVER_PRESENTATION,
    apiPort: 0,
    functionUrlPort: 0,
    dynamodbPort: 0,
    sqsPort: 0,
    dataDir,
    // Only what the bench needs: fault injection for the failure path, the stack's default
    // secrets (the load generator signs with them), info logs (the milestones are read from them).
    env: {
      FAULT_INJECTION: '1',
      LOG_LEVEL: 'info',
      ...(streamRecordConcurrency
        ? { STREAM_RECORD_CONCURRENCY: String(streamRecordConcurrency) }
        : {}),
    },
    logger: pino({ level: 'error' }),
    functionLogs: tap.sink,
    ...(maxConcurrency ? { maxConcurrency } : {}),
    ...quietNotifications,
  });

// The ladder: first on a fresh data directory on disk, as `npm start` runs, then in memory.
// Each stack is new, so the first seconds after its ready line are measured before anything else.
const ladders: LadderRun[] = [];
let logBytesPerWebhook: Record<string, number> = {};
try {
  for (const storage of ['disk', 'memory'] as const) {
    say(
      `· ladder, ${storage === 'disk' ? 'data directory on disk' : 'in memory'}: the first ${settings.firstSeconds} s after ready at 10/s, idle CPU, then ${settings.ladderRates.join(', ')}/s for ${settings.stepSeconds} s each until past the knee`,
    );
    const dataDir =
      storage === 'disk' ? mkdtempSync(join(tmpdir(), 'webhooks-bench-ladder-')) : undefined;
    const began = performance.now();
    const stack = await startStack(dataDir);
    const readySeconds = round((performance.now() - began) / 1000);
    try {
      const meter = new CpuMeter({
        dynamodbLocal: dynamodbLocalPid(Number(new URL(stack.endpoints.dynamodb).port)),
        emulator: process.pid,
        loadGenerator: load.pid,
      });
      const context = { api: stack.endpoints.api, load, tap, meter };
      const firstSeconds = await rateStep(context, 10, settings.firstSeconds);
      say(
        `    first seconds after ready (ready in ${readySeconds} s): ${describeStep(firstSeconds)}`,
      );
      const idle = await idleCores(meter, settings.idleSeconds);
      say(`    idle: DynamoDB Local ${idle.dynamodbLocal} core, emulator ${idle.emulator} core`);
      const bytesBefore = new Map(tap.bytes);
      const { steps, kneeRate } = await climb(
        context,
        settings.ladderRates,
        settings.stepSeconds,
        (step) => say(`    ${describeStep(step)}`),
      );
      if (storage === 'memory')
        logBytesPerWebhook = logBytesSince(
          bytesBefore,
          steps.reduce((sum, step) => sum + step.completed, 0),
        );
      ladders.push({
        storage,
        readySeconds,
        firstSeconds,
        idleCores: idle,
        steps,
        ...(kneeRate === undefined ? {} : { kneeRate }),
      });
    } finally {
      await stack.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      tap.forget();
    }
  }
} catch (error) {
  await load.stop();
  throw error;
}

say('· starting the embedded stack in memory for capture throughput and the failure path');
const emulator = await startStack(undefined);
if (process.env.BENCH_PROFILE_DIR) {
  // Which worker thread ran which function: each bundle lives in its asset directory.
  const functions: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(emulator.template.Resources))
    if (resource.Type === 'AWS::Lambda::Function')
      functions[String(resource.Metadata?.['aws:asset:path'])] = logicalId;
  writeFileSync(join(process.env.BENCH_PROFILE_DIR, 'functions.json'), JSON.stringify(functions));
}
const api = emulator.endpoints.api;
const tableName = emulator.outputs.TableName!;
let acceptedSoFar = 0;
const meter = new CpuMeter({
  dynamodbLocal: dynamodbLocalPid(Number(new URL(emulator.endpoints.dynamodb).port)),
  emulator: process.pid,
  loadGenerator: load.pid,
});

try {
  say('· capture breakdown at concurrency 1 (verify, worker hop)');
  const verify = await load.run({ kind: 'verify-cost', iterations: 5_000 });
  const workerHop = await measureWorkerHop(settings.hopInvocations);

  // DynamoDB Local's writes cost several times more CPU on a nearly empty table than on one with
  // a few thousand items (and its JIT needs warming): measure on a table that is not empty.
  say(`· filling the table for ${settings.prefillSeconds} s, then letting processing catch up`);
  const prefill = await load.run({
    kind: 'storage',
    endpoint: emulator.endpoints.dynamodb,
    tableName,
    retentionDays: RETENTION_DAYS,
    concurrency: 16,
    warmupMs: 0,
    durationMs: settings.prefillSeconds * 1000,
    poolSize: 8_000,
  });
  acceptedSoFar += stored(prefill);
  await drain(settings.drainLimitSeconds * 4);

  say('· failure path: fail once → completed, fail always → dead');
  const failurePath = await failures();

  say(
    `· storage ceiling and capture, concurrency ${settings.levels.join(', ')}, ${settings.levelSeconds} s each`,
  );
  const completedBefore = tap.count('attempt.completed');
  const throughputStarted = performance.now();
  const levels: Level[] = [];
  for (const concurrency of settings.levels) {
    // Each measurement starts with the processing backlog drained (or as far as the limit allows).
    const ceilingBacklog = (await drain(settings.drainLimitSeconds)).backlog;
    const stopCeiling = meter.start();
    const ceiling = await load.run({
      kind: 'storage',
      endpoint: emulator.endpoints.dynamodb,
      tableName,
      retentionDays: RETENTION_DAYS,
      concurrency,
      warmupMs: settings.warmupSeconds * 1000,
      durationMs: settings.levelSeconds * 1000,
      poolSize: settings.ceilingPool,
    });
    const ceilingCpu = perOperation(stopCeiling(), operations(ceiling));
    acceptedSoFar += stored(ceiling);
    const captureBacklog = (await drain(settings.drainLimitSeconds)).backlog;
    const attemptsBefore = tap.count('attempt.completed');
    const stopCapture = meter.start();
    const capture = await load.run({
      kind: 'http',
      url: api,
      concurrency,
      warmupMs: settings.warmupSeconds * 1000,
      durationMs: settings.levelSeconds * 1000,
      poolSize: Math.ceil(ceiling.throughput * settings.levelSeconds * 1.5) + 1_000,
    });
    acceptedSoFar += stored(capture);
    const level: Level = {
      concurrency,
      ceiling: withoutAccepted(ceiling),
      capture: withoutAccepted(capture),
      ratio: round(capture.throughput / ceiling.throughput, 3),
      cpuMsPerOperation: {
        ceiling: ceilingCpu,
        capture: perOperation(stopCapture(), operations(capture)),
      },
      backlogAtStart: { ceiling: ceilingBacklog, capture: captureBacklog },
      attemptsCompletedDuringCapture: tap.count('attempt.completed') - attemptsBefore,
    };
    levels.push(level);
    say(
      `    c=${concurrency}: ceiling ${ceiling.throughput}/s (p50 ${ceiling.latency.p50} ms, p99 ${ceiling.latency.p99} ms), capture ${capture.throughput}/s (p50 ${capture.latency.p50} ms, p99 ${capture.latency.p99} ms), ratio ${level.ratio}`,
    );
  }
  const peak = Math.max(...levels.map((l) => l.capture.throughput));
  const halfPeakRate = Math.max(1, Math.round(peak / 2));
  say(`· capture at half the peak rate: ${halfPeakRate}/s for ${settings.levelSeconds} s`);
  const halfPeakBacklog = (await drain(settings.drainLimitSeconds)).backlog;
  const halfPeak = await load.run({
    kind: 'paced-http',
    url: api,
    ratePerSecond: halfPeakRate,
    warmupMs: settings.warmupSeconds * 1000,
    durationMs: settings.levelSeconds * 1000,
    maxInFlight: 64,
  });
  acceptedSoFar += stored(halfPeak);
  const throughputSeconds = (performance.now() - throughputStarted) / 1000;
  const completedDuringLoad = tap.count('attempt.completed') - completedBefore;
  const draining = await drain(settings.drainLimitSeconds);

  const results: BenchResults = {
    version: 2,
    mode,
    date: new Date().toISOString(),
    command: `npm run bench${flags.quick || maxConcurrency || streamRecordConcurrency ? ' --' : ''}${flags.quick ? ' --quick' : ''}${maxConcurrency ? ` --max-concurrency ${maxConcurrency}` : ''}${streamRecordConcurrency ? ` --stream-record-concurrency ${streamRecordConcurrency}` : ''}`,
    maxConcurrency: maxConcurrency ?? 8,
    streamRecordConcurrency:
      streamRecordConcurrency ?? resolveProfile('local', {}).streamRecordConcurrency,
    machine,
    loadAtEnd: loadavg().map((l) => round(l)),
    durationSeconds: round((performance.now() - runStarted) / 1000, 1),
    settings,
    bundles,
    startup: {
      runs: startupRuns,
      medianReadySeconds: round(
        median((reusedStarts.length > 0 ? reusedStarts : startupRuns).map((r) => r.readySeconds)),
      ),
      synthesizingMedianSeconds: round(median(synthesizingStarts.map((r) => r.readySeconds))),
    },
    breakdown: {
      verifyMicroseconds: verify.microsecondsPerVerify ?? Number.NaN,
      workerHop,
    },
    levels,
    halfPeak: { rate: halfPeakRate, backlogAtStart: halfPeakBacklog, ...withoutAccepted(halfPeak) },
    ladders,
    failurePath,
    processing: {
      completedDuringLoad,
      perSecondDuringLoad: round(completedDuringLoad / throughputSeconds, 1),
      perSecondDraining: round(draining.completed / Math.max(0.001, draining.seconds), 1),
    },
    logBytesPerWebhook,
    targets: [],
  };
  results.targets = evaluateTargets(results);
  if (
    previous?.mode === mode &&
    (previous.maxConcurrency ?? 8) === results.maxConcurrency &&
    (previous.streamRecordConcurrency ?? 1) === results.streamRecordConcurrency
  )
    results.previous = previous;

  say('');
  say(consoleTable(results));
  say('');
  const profileDir = process.env.BENCH_PROFILE_DIR;
  if (profileDir) {
    // Figures taken under the profiler are slower than real: keep them with the profiles only.
    writeFileSync(join(profileDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    say(`Profiled run: figures kept in ${profileDir}/results.json, not in docs/.`);
  } else {
    mkdirSync(join(PROJECT_ROOT, 'bench'), { recursive: true });
    // The previous run is kept one level deep only: enough to show the noise between two runs.
    const kept = results.previous && { ...results.previous, previous: undefined };
    writeFileSync(resultsFile, `${JSON.stringify({ ...results, previous: kept }, null, 2)}\n`);
    const docFile = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
    const existingDoc = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '';
    writeFileSync(docFile, markdownReport(results, existingDoc));
    say(`Wrote bench/results.json and docs/benchmarks.md in ${results.durationSeconds} s.`);
  }
} finally {
  await load.stop();
  await emulator.stop();
}

/** One webhook that fails once and one that always fails, sent together. */
async function failures(): Promise<FailurePath> {
  const run = (failAttempts: number) =>
    load.run({
      kind: 'paced-http',
      url: api,
      ratePerSecond: 1,
      warmupMs: 0,
      durationMs: 1,
      maxInFlight: 1,
      extraHeaders: { 'x-fault-fail-attempts': String(failAttempts) },
    });
  const once = await run(1);
  const always = await run(99);
  const onceId = once.accepted?.[0];
  const alwaysId = always.accepted?.[0];
  if (!onceId || !alwaysId) throw new Error('The failure-path webhooks were not accepted');
  acceptedSoFar += 1; // the one that fails once completes; the other ends dead
  const [completedAt, deadAt] = await Promise.all([
    tap.waitFor(onceId.id, 'attempt.completed', 60_000),
    tap.waitFor(alwaysId.id, 'webhook.dead', 60_000),
  ]);
  const seconds = (at: number | undefined, from: number) =>
    at === undefined ? Number.NaN : round((at - from) / 1000);
  const result: FailurePath = {
    failOnceToCompletedSeconds: seconds(completedAt, onceId.acceptedAt),
    failAlwaysToDeadSeconds: seconds(deadAt, alwaysId.acceptedAt),
    failAlwaysAttempts: tap.times(alwaysId.id, 'attempt.started').length,
  };
  say(
    `    fail once → completed in ${result.failOnceToCompletedSeconds} s; fail always → dead in ${result.failAlwaysToDeadSeconds} s`,
  );
  return result;
}

/** Log bytes per completed webhook, by function role, since `before`. */
function logBytesSince(before: Map<string, number>, webhooks: number): Record<string, number> {
  const perRole: Record<string, number> = {};
  for (const [fn, bytes] of tap.bytes) {
    const role = /capture/i.test(fn)
      ? 'capture'
      : /process/i.test(fn)
        ? 'process'
        : /retry/i.test(fn)
          ? 'retry'
          : 'other';
    perRole[role] = (perRole[role] ?? 0) + bytes - (before.get(fn) ?? 0);
  }
  for (const role of Object.keys(perRole))
    perRole[role] = Math.round(perRole[role]! / Math.max(1, webhooks));
  return perRole;
}

/** Operations a load run made, warm-up included (the CPU meter sees both). */
function operations(result: LoadResult): number {
  return result.latency.count + (result.warmupOperations ?? 0);
}

/**
 * Waits until every webhook stored so far has completed processing, or `limitSeconds` pass.
 * Returns what was left (the backlog), how long it waited and how many completed meanwhile.
 */
async function drain(
  limitSeconds: number,
): Promise<{ backlog: number; seconds: number; completed: number }> {
  const started = performance.now();
  const before = tap.count('attempt.completed');
  const deadline = started + limitSeconds * 1000;
  while (tap.count('attempt.completed') < acceptedSoFar && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 250));
  const after = tap.count('attempt.completed');
  return {
    backlog: Math.max(0, acceptedSoFar - after),
    seconds: (performance.now() - started) / 1000,
    completed: after - before,
  };
}

/** Webhooks a load run stored (each one starts a processing attempt), warm-up included. */
function stored(result: LoadResult): number {
  const counts = result.statusCounts;
  return (counts.created ?? 0) + (counts['202'] ?? 0) + (result.warmupOperations ?? 0);
}

function withoutAccepted(result: LoadResult): Omit<LoadResult, 'accepted'> {
  const { accepted: _accepted, ...rest } = result;
  return rest;
}

/** Runs this script again under `node --cpu-prof`, then summarizes the profiles it wrote. */
async function runProfiled(): Promise<number> {
  const dir = join(
    PROJECT_ROOT,
    'bench',
    'profile',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  mkdirSync(dir, { recursive: true });
  const args = process.argv.slice(2).filter((a) => a !== '--profile');
  const child = spawn(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      dir,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      ...args,
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_PROFILE_DIR: dir } },
  );
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  const functionsFile = join(dir, 'functions.json');
  const functions = existsSync(functionsFile)
    ? (JSON.parse(readFileSync(functionsFile, 'utf8')) as Record<string, string>)
    : {};
  const summaries = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarizeCpuProfile(join(dir, f), functions))
    .sort((a, b) => b.busyMs - a.busyMs)
    .map(formatProfileSummary);
  writeFileSync(join(dir, 'summary.txt'), `${summaries.join('\n\n')}\n`);
  say(`\nCPU profiles in ${dir} (open them in Chrome DevTools); summary:\n`);
  say(summaries.join('\n\n'));
  return code;
}

/** Waits (up to 10 min) until the 1-minute load average is under half the cores. */
async function waitForIdle(): Promise<void> {
  const { availableParallelism } = await import('node:os');
  const limit = availableParallelism() / 2;
  const deadline = Date.now() + 10 * 60_000;
  while (loadavg()[0]! > limit && Date.now() < deadline) {
    say(`  waiting for the machine to be idle (load ${loadavg()[0]!.toFixed(2)} > ${limit})`);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  }
}
