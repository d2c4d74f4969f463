import { fileURLToPath } from 'node:url';
import type { BundleSize } from './bundle-sizes.js';
import type { CpuShares } from './cpu-accounting.js';
import type { LadderRun, RateStep } from './ladder.js';
import type { LoadResult } from './load-generator.js';
import type { MachineInfo } from './machine.js';
import type { StartupRun } from './startup.js';
import type { LatencySummary } from './statistics.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const BENCH_SETTINGS = {
  full: {
    levels: [1, 16, 64],
    levelSeconds: 10,
    warmupSeconds: 2,
    ceilingPool: 25_000,
    ladderRates: [5, 10, 20, 40, 80],
    stepSeconds: 15,
    firstSeconds: 10,
    idleSeconds: 10,
    prefillSeconds: 5,
    drainLimitSeconds: 15,
    startupRuns: 3,
    hopInvocations: 3_000,
  },
  quick: {
    levels: [1, 16, 64],
    levelSeconds: 3,
    warmupSeconds: 1,
    ceilingPool: 8_000,
    ladderRates: [10, 40],
    stepSeconds: 4,
    firstSeconds: 4,
    idleSeconds: 3,
    prefillSeconds: 3,
    drainLimitSeconds: 5,
    startupRuns: 1,
    hopInvocations: 1_000,
  },
} as const;

export type BenchSettings = (typeof BENCH_SETTINGS)[keyof typeof BENCH_SETTINGS];
type Measured = Omit<LoadResult, 'accepted'>;

export interface Level {
  readonly concurrency: number;
  readonly ceiling: Measured;
  readonly capture: Measured;
  /** Capture throughput over the storage ceiling's, at the same concurrency. */
  readonly ratio: number;
  /** CPU milliseconds per stored item (ceiling) and per request (capture), by process. */
  readonly cpuMsPerOperation?: { readonly ceiling: CpuShares; readonly capture: CpuShares };
  /** Webhooks stored but not yet processed when each measurement started. */
  readonly backlogAtStart?: { readonly ceiling: number; readonly capture: number };
  /** Processing attempts that completed while capture ran (they share DynamoDB Local and the CPU). */
  readonly attemptsCompletedDuringCapture?: number;
}

/** What runs before the ladder replaced it: one rate, end to end, in memory. */
export interface EndToEnd {
  readonly rate: number;
  readonly completed: number;
  readonly accepted: number;
  readonly latency: LatencySummary;
  readonly attemptDuration: LatencySummary;
}

export interface FailurePath {
  readonly failOnceToCompletedSeconds: number;
  readonly failAlwaysToDeadSeconds: number;
  readonly failAlwaysAttempts: number;
}

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchResults {
  /** 2: the ladder (`ladders`) instead of one end-to-end rate (`endToEnd`). */
  readonly version: 1 | 2;
  readonly mode: 'full' | 'quick';
  readonly date: string;
  readonly command: string;
  /** Execution environments per function in the emulator. */
  readonly maxConcurrency?: number;
  /** Records of a stream batch the process function ran at once (absent: older runs, 1 or all). */
  readonly streamRecordConcurrency?: number;
  readonly machine: MachineInfo;
  readonly loadAtEnd: readonly number[];
  readonly durationSeconds: number;
  readonly settings: BenchSettings;
  readonly bundles: readonly BundleSize[];
  readonly startup: {
    readonly runs: readonly StartupRun[];
    /** Median of the starts that reused the cached assembly (all runs in older results). */
    readonly medianReadySeconds: number;
    /** Median of the starts that synthesized the stack (absent in older results). */
    readonly synthesizingMedianSeconds?: number;
  };
  readonly breakdown: { readonly verifyMicroseconds: number; readonly workerHop: LatencySummary };
  readonly levels: readonly Level[];
  readonly halfPeak: Measured & { readonly rate: number; readonly backlogAtStart?: number };
  /** The ladder on disk and in memory (version 2). */
  readonly ladders?: readonly LadderRun[];
  /** Version 1 only. */
  readonly endToEnd?: EndToEnd;
  readonly failurePath: FailurePath;
  readonly processing: {
    /** Attempts completed while the throughput phases ran (stream consumer under load). */
    readonly completedDuringLoad: number;
    readonly perSecondDuringLoad: number;
    /** Attempts completed per second once the load stopped (the backlog draining). */
    readonly perSecondDraining: number;
  };
  /** Function log bytes per webhook, by function (what CloudWatch Logs would ingest). */
  readonly logBytesPerWebhook: Record<string, number>;
  targets: Target[];
  previous?: BenchResults;
}

/** The stack's own CPU per processed webhook (DynamoDB Local and the emulator process). */
export function stackCpuMs(step: RateStep): number {
  return Math.round((step.cpuMsPerWebhook.dynamodbLocal + step.cpuMsPerWebhook.emulator) * 10) / 10;
}

/** The targets, as figures: met or missed, never a failure. On disk, as `npm start` runs. */
export function evaluateTargets(r: BenchResults): Target[] {
  const top = r.levels.at(-1);
  const capture = r.bundles.find((b) => /capture/i.test(b.function));
  const disk = r.ladders?.find((l) => l.storage === 'disk');
  const at = (rate: number) => disk?.steps.find((s) => s.rate === rate);
  const targets: Target[] = [];
  const ms = (value: number | undefined) => (value === undefined ? 'not reached' : `${value} ms`);
  if (disk) {
    const first = disk.firstSeconds;
    targets.push({
      name: `first ${first.seconds} s after ready, 10/s: p99`,
      target: '≤ 1 s',
      value: ms(first.latency.p99),
      met: first.latency.p99 <= 1000 && first.completed === first.accepted,
    });
    const s20 = at(20);
    targets.push(
      {
        name: '20/s: p50',
        target: '≤ 50 ms',
        value: ms(s20?.latency.p50),
        met: s20 !== undefined && s20.latency.p50 <= 50,
      },
      {
        name: '20/s: p99',
        target: '≤ 250 ms',
        value: ms(s20?.latency.p99),
        met: s20 !== undefined && s20.latency.p99 <= 250,
      },
    );
    const s40 = at(40);
    targets.push(
      {
        name: '40/s: backlog',
        target: 'none',
        value:
          s40 === undefined
            ? 'not reached'
            : `${s40.backlogGrew ? 'grew' : 'none'} (${s40.backlogAtEnd} waiting at the end, ${s40.processedPerSecond}/s processed)`,
        met: s40 !== undefined && !s40.backlogGrew,
      },
      {
        name: '40/s: p99',
        target: '≤ 500 ms',
        value: ms(s40?.latency.p99),
        met: s40 !== undefined && s40.latency.p99 <= 500,
      },
    );
    const idle = disk.idleCores.dynamodbLocal + disk.idleCores.emulator;
    targets.push({
      name: 'idle CPU of the whole stack',
      target: '≤ 0.15 core',
      value: `${Math.round(idle * 1000) / 1000} core`,
      met: idle <= 0.15,
    });
    const cpuStep = s20 ?? disk.steps.at(-1);
    if (cpuStep) {
      targets.push({
        name: `CPU per processed webhook at ${cpuStep.rate}/s (DynamoDB Local + emulator)`,
        target: '≤ 35 ms',
        value: `${stackCpuMs(cpuStep)} ms`,
        met: stackCpuMs(cpuStep) <= 35,
      });
    }
  }
  if (top) {
    targets.push({
      name: `capture / storage ceiling at concurrency ${top.concurrency}`,
      target: '≥ 0.8',
      value: top.ratio.toFixed(2),
      met: top.ratio >= 0.8,
    });
  }
  targets.push(
    {
      name: `capture p99 at half the peak rate (${r.halfPeak.rate}/s)`,
      target: '≤ 50 ms',
      value: `${r.halfPeak.latency.p99} ms`,
      met: r.halfPeak.latency.p99 <= 50,
    },
    {
      name: 'start-up (median, npm start to ready, assembly reused)',
      target: '≤ 6 s',
      value: `${r.startup.medianReadySeconds} s`,
      met: r.startup.medianReadySeconds <= 6,
    },
  );
  const synthesizing = r.startup.synthesizingMedianSeconds;
  if (synthesizing !== undefined && Number.isFinite(synthesizing)) {
    targets.push({
      name: 'start-up synthesizing the stack (as the first `npm start` after `npm ci`)',
      target: '≤ 12 s',
      value: `${synthesizing} s`,
      met: synthesizing <= 12,
    });
  }
  if (capture) {
    targets.push({
      name: 'capture bundle (index.mjs)',
      target: '≤ 300 KB',
      value: `${kb(capture.bytes)} KB`,
      met: capture.bytes <= 300_000,
    });
  }
  return targets;
}

/** What `npm run bench` prints at the end. */
export function consoleTable(r: BenchResults): string {
  const rows: string[][] = [['measure', 'figure']];
  for (const l of r.levels) {
    rows.push([
      `storage ceiling, c=${l.concurrency}`,
      `${l.ceiling.throughput}/s  p50 ${l.ceiling.latency.p50} ms  p99 ${l.ceiling.latency.p99} ms  errors ${l.ceiling.errors}`,
    ]);
    rows.push([
      `capture via API, c=${l.concurrency}`,
      `${l.capture.throughput}/s  p50 ${l.capture.latency.p50} ms  p99 ${l.capture.latency.p99} ms  errors ${l.capture.errors}  ratio ${l.ratio}`,
    ]);
  }
  rows.push([
    `capture at half peak (${r.halfPeak.rate}/s)`,
    `p50 ${r.halfPeak.latency.p50} ms  p99 ${r.halfPeak.latency.p99} ms  errors ${r.halfPeak.errors}`,
  ]);
  for (const ladder of r.ladders ?? []) {
    const f = ladder.firstSeconds;
    rows.push([
      `${ladder.storage}: first ${f.seconds} s after ready, 10/s`,
      `p50 ${f.latency.p50} ms  p99 ${f.latency.p99} ms  (${f.completed}/${f.accepted})`,
    ]);
    rows.push([
      `${ladder.storage}: idle CPU`,
      `DynamoDB Local ${ladder.idleCores.dynamodbLocal} + emulator ${ladder.idleCores.emulator} core`,
    ]);
    for (const step of ladder.steps) {
      rows.push([
        `${ladder.storage}: ${step.rate}/s end to end`,
        `p50 ${step.latency.p50} ms  p99 ${step.latency.p99} ms  processed ${step.processedPerSecond}/s  backlog ${step.backlogGrew ? 'GREW' : 'no'}  CPU ${stackCpuMs(step)} ms/webhook`,
      ]);
    }
  }
  rows.push([
    'failure path',
    `fail once → completed ${r.failurePath.failOnceToCompletedSeconds} s; fail always → dead ${r.failurePath.failAlwaysToDeadSeconds} s`,
  ]);
  rows.push([
    'start-up (npm start → ready)',
    `${r.startup.runs.map((s) => `${s.readySeconds} s${s.synthesized ? ' (synthesized)' : ''}`).join(', ')}; median reused ${r.startup.medianReadySeconds} s`,
  ]);
  for (const b of r.bundles) {
    rows.push([
      `bundle ${b.function}`,
      `${b.bytes} bytes (${kb(b.bytes)} KB), gzip ${kb(b.gzipBytes)} KB`,
    ]);
  }
  const width = Math.max(...rows.map((row) => row[0]!.length));
  const lines = rows.map((row) => `${row[0]!.padEnd(width)}  ${row[1]}`);
  lines.splice(1, 0, `${'-'.repeat(width)}  ${'-'.repeat(40)}`);
  lines.push('', 'targets:');
  for (const t of r.targets)
    lines.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.name}: ${t.value} (target ${t.target})`);
  return lines.join('\n');
}

const ANALYSIS_START = '<!-- analysis:start -->';
const ANALYSIS_END = '<!-- analysis:end -->';

/**
 * docs/benchmarks.md. The figures are regenerated on every run; the written analysis between
 * the analysis markers is carried over from the existing page.
 */
export function markdownReport(r: BenchResults, existing: string): string {
  const m = r.machine;
  const start = existing.indexOf(ANALYSIS_START);
  const end = existing.indexOf(ANALYSIS_END);
  const analysis =
    start >= 0 && end > start
      ? existing.slice(start, end + ANALYSIS_END.length)
      : `${ANALYSIS_START}\n## Where the time goes\n\n(Not written yet.)\n${ANALYSIS_END}`;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench.ts). Edit only between the analysis markers. -->',
    '',
    `Run of ${r.date.slice(0, 16).replace('T', ' ')} UTC, \`${r.command}\` (${r.mode}), ${r.durationSeconds} s, commit ${m.commit}.`,
    'Figures, not assertions: no test fails on them.',
    '',
    '## Targets',
    '',
    '| target | figure | goal | |',
    '| --- | --- | --- | --- |',
    ...r.targets.map(
      (t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'met' : '**missed**'} |`,
    ),
    '',
    ...(r.previous?.targets.length
      ? [
          `The previous run (${r.previous.date.slice(0, 16).replace('T', ' ')} UTC): ${r.previous.targets
            .map((t) => `${t.name} ${t.value} (${t.met ? 'met' : 'missed'})`)
            .join('; ')}. The spread between two runs is in "Noise" below.`,
          '',
        ]
      : []),
    '## Capture throughput against the storage ceiling',
    '',
    `Each level runs ${r.settings.levelSeconds} s after a ${r.settings.warmupSeconds} s warm-up, ceiling then capture, each after the`,
    `processing backlog has drained (waiting at most ${r.settings.drainLimitSeconds} s; what was left is in the last column). The ceiling`,
    'is the capture transaction (`DynamoDBWebhookLedger.create`: one `TransactWriteItems` with the WEBHOOK and',
    "STATUS puts) sent straight to DynamoDB Local with the AWS SDK, into the stack's table. Capture is",
    '`POST /api/webhooks/stripe` through the emulated HTTP API, the capture function (signature check,',
    'id, the same transaction) and back, driven by autocannon with distinct requests signed before the',
    'clock starts. Both load generators run in a process of their own. Whatever either stores starts a',
    'processing attempt, which runs meanwhile and shares DynamoDB Local and the two cores, as it would.',
    '',
    '| concurrency | ceiling /s | ceiling p50 | ceiling p99 | capture /s | capture p50 | capture p99 | errors | capture / ceiling | backlog at start |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.levels.map(
      (l) =>
        `| ${l.concurrency} | ${l.ceiling.throughput} | ${l.ceiling.latency.p50} ms | ${l.ceiling.latency.p99} ms | ${l.capture.throughput} | ${l.capture.latency.p50} ms | ${l.capture.latency.p99} ms | ${l.capture.errors + l.ceiling.errors} | ${l.ratio.toFixed(2)} | ${l.backlogAtStart ? `${l.backlogAtStart.ceiling} / ${l.backlogAtStart.capture}` : ''} |`,
    ),
    '',
    ...cpuSection(r),
    `At half the peak capture rate (${r.halfPeak.rate}/s, open loop, latency from each request's due time):`,
    `p50 ${r.halfPeak.latency.p50} ms, p99 ${r.halfPeak.latency.p99} ms, max ${r.halfPeak.latency.max} ms, ${r.halfPeak.errors} errors, ${r.halfPeak.throughput}/s achieved.`,
    '',
    `Capture at concurrency 1, by part: storage transaction p50 ${r.levels[0]?.ceiling.latency.p50} ms; signature check, id`,
    `and item ${r.breakdown.verifyMicroseconds} µs; the emulator's hop into a function and back (a no-op function, same`,
    `event size) p50 ${r.breakdown.workerHop.p50} ms, p99 ${r.breakdown.workerHop.p99} ms; capture through the API p50`,
    `${r.levels[0]?.capture.latency.p50} ms. The rest is HTTP, Fastify, building the event, and the handler's logging.`,
    '',
    ...ladderSection(r),
    '## Failure path',
    '',
    '| webhook | from 202 to | seconds |',
    '| --- | --- | ---: |',
    `| fails its first attempt (\`x-fault-fail-attempts: 1\`) | \`completed\` (attempt 2, from the failed queue) | ${r.failurePath.failOnceToCompletedSeconds} |`,
    `| fails every attempt | \`dead\` (after ${r.failurePath.failAlwaysAttempts} attempts) | ${r.failurePath.failAlwaysToDeadSeconds} |`,
    '',
    'The local profile shortens the queue visibility timeout to 8 s; on AWS (180 s) the same path takes minutes.',
    '',
    '## Start-up',
    '',
    '`tsx scripts/start.ts` (what `npm start` runs) with free ports and a fresh `DATA_DIR`, timed from spawn',
    'to its "ready in" line, then SIGINT. The first start runs with `EMULATOR_SYNTH_CACHE=0`: it synthesizes',
    'the stack and bundles the functions, as the first start after a change to `stack/` or `services/` does.',
    'The others reuse the assembly cached under `cdk.out/emulator-cache` (the first of them writes it if',
    'no entry matches), as every later start does.',
    '',
    '| run | stack | ready | self-reported | stop |',
    '| ---: | --- | ---: | ---: | ---: |',
    ...r.startup.runs.map(
      (s, i) =>
        `| ${i + 1} | ${s.synthesized === undefined ? '' : s.synthesized ? 'synthesized' : 'reused'} | ${s.readySeconds} s | ${s.reportedSeconds} s | ${s.stopSeconds} s |`,
    ),
    `| median, reused | | ${r.startup.medianReadySeconds} s | | |`,
    ...(r.startup.synthesizingMedianSeconds !== undefined &&
    Number.isFinite(r.startup.synthesizingMedianSeconds)
      ? [`| median, synthesized | | ${r.startup.synthesizingMedianSeconds} s | | |`]
      : []),
    '',
    '## Bundle sizes',
    '',
    "Each function's `index.mjs` as synthesized (esbuild, minified ESM, AWS SDK external); gzip at level 9.",
    '',
    '| function | bytes | KB | KiB | gzip KB |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...r.bundles.map(
      (b) =>
        `| ${b.function} | ${b.bytes} | ${kb(b.bytes)} | ${(b.bytes / 1024).toFixed(1)} | ${kb(b.gzipBytes)} |`,
    ),
    '',
    `Function log volume per webhook (what CloudWatch Logs would ingest, without Lambda's own lines): ${Object.entries(
      r.logBytesPerWebhook,
    )
      .map(([fn, bytes]) => `${fn} ${bytes} B`)
      .join(', ')}.`,
    '',
  );
  out.push(...noiseSection(r), '', analysis, '', ...machineSection(r), '');
  return out.join('\n');
}

function ladderSection(r: BenchResults): string[] {
  const ladders = r.ladders ?? [];
  if (ladders.length === 0) return [];
  const lines = [
    '## End to end: the ladder',
    '',
    'Steady rates, open loop (each request sent when due, whatever the answers), each for',
    `${r.settings.stepSeconds} s, then drained before the next; the ladder stops after the first rate that falls`,
    'behind (more than a second of webhooks waiting when sending stops) or whose p99 is over 1 s. Latency',
    "is from each request's due time to the process function's `attempt.completed` log line (written",
    'after the `completed` status write), so it includes capture. "processed" counts the step\'s webhooks',
    'done while it was sending. CPU is per processed webhook (capture and processing): DynamoDB',
    "Local's JVM + the emulator process (API, event sources, every function's worker thread); the load",
    'generator is apart. Each stack is started fresh: on disk with a new data directory (what `npm start`',
    'runs, `DATA_DIR`), in memory with `DATA_DIR=memory`. "First seconds" is the first thing sent after the',
    "stack's ready line: 10/s, before any warm-up.",
    '',
  ];
  for (const ladder of ladders) {
    const f = ladder.firstSeconds;
    lines.push(
      `### ${ladder.storage === 'disk' ? 'Data directory on disk' : 'In memory'}`,
      '',
      `Ready in ${ladder.readySeconds} s (in the bench's process, assembly reused). Idle, nothing sent: DynamoDB Local ${ladder.idleCores.dynamodbLocal} core, the emulator ${ladder.idleCores.emulator} core (${r.settings.idleSeconds} s). ${ladder.kneeRate === undefined ? 'No rate kept up.' : `The knee: **${ladder.kneeRate}/s** is the highest rate that kept up${ladder.steps.at(-1)?.rate === ladder.kneeRate ? ' (the top of the ladder: the knee is above it)' : ''}.`}`,
      '',
      '| rate | p50 | p99 | max | 202 p50 / p99 | attempt p50 | processed | waiting at the end | backlog | drained in | CPU per webhook (DynamoDB Local + emulator) | completed |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
      stepRow(`first ${f.seconds} s after ready, 10/s`, f),
      ...ladder.steps.map((step) => stepRow(`${step.rate}/s`, step)),
      '',
    );
  }
  return lines;
}

function stepRow(label: string, s: RateStep): string {
  const c = s.cpuMsPerWebhook;
  return `| ${label} | ${s.latency.p50} ms | ${s.latency.p99} ms | ${s.latency.max} ms | ${s.captureLatency.p50} / ${s.captureLatency.p99} ms | ${s.attemptDuration.p50} ms | ${s.processedPerSecond}/s | ${s.backlogAtEnd} | ${s.backlogGrew ? '**grew**' : 'no'} | ${s.drainSeconds} s | ${stackCpuMs(s)} ms (${c.dynamodbLocal} + ${c.emulator}) | ${s.completed} / ${s.accepted}${s.sent !== undefined && s.sent !== s.accepted ? ` (${s.sent} sent, ${s.errors} errors)` : ''} |`;
}

function cpuSection(r: BenchResults): string[] {
  const rows = r.levels.filter((l) => l.cpuMsPerOperation);
  if (rows.length === 0) return [];
  const cell = (c: CpuShares) => `${c.dynamodbLocal} / ${c.emulator} / ${c.loadGenerator} ms`;
  return [
    "CPU time per operation, read from /proc: DynamoDB Local's JVM / the emulator process (API,",
    "event sources and every function's worker thread) / the load generator. Warm-up included; the",
    'capture rows also carry the processing of the webhooks stored meanwhile (last column).',
    '',
    '| concurrency | ceiling, per item | capture, per request | attempts processed during capture |',
    '| ---: | ---: | ---: | ---: |',
    ...rows.map(
      (l) =>
        `| ${l.concurrency} | ${cell(l.cpuMsPerOperation!.ceiling)} | ${cell(l.cpuMsPerOperation!.capture)} | ${l.attemptsCompletedDuringCapture ?? ''} |`,
    ),
    '',
  ];
}

function noiseSection(r: BenchResults): string[] {
  const p = r.previous;
  const lines = [
    '## Noise',
    '',
    `Load average (1, 5, 15 min) at the start: ${r.machine.loadAtStart.join(', ')}; at the end: ${r.loadAtEnd.join(', ')}, on ${r.machine.nproc} cores.`,
    ...(r.machine.cpuProbeMs !== undefined
      ? [
          `CPU probe (50,000 JSON round trips of a webhook on one core, best of 3): ${r.machine.cpuProbeMs} ms${p?.machine.cpuProbeMs !== undefined ? `; the previous run: ${p.machine.cpuProbeMs} ms` : ''}. Figures of runs whose probes differ are not comparable.`,
        ]
      : []),
    "The machine is shared: other developers' test runs (each starting its own JVM) can land in the",
    "middle of a run. DynamoDB Local, the emulator, the functions' threads and the load generator all",
    'share these cores, so every figure here is a floor for the code, not a property of AWS.',
  ];
  if (!p)
    return [
      ...lines,
      '',
      'No previous run of this mode to compare with: run the bench again to see the spread.',
    ];
  const row = (name: string, now: number, before: number, unit: string) =>
    `| ${name} | ${before}${unit} | ${now}${unit} | ${before === 0 ? '' : `${(((now - before) / before) * 100).toFixed(0)} %`} |`;
  lines.push(
    '',
    `The same figures from the previous run (${p.date.slice(0, 16).replace('T', ' ')} UTC, load at start ${p.machine.loadAtStart.join(', ')}):`,
    '',
    '| figure | previous run | this run | change |',
    '| --- | ---: | ---: | ---: |',
  );
  r.levels.forEach((l, i) => {
    const pl = p.levels[i];
    if (!pl || pl.concurrency !== l.concurrency) return;
    lines.push(
      row(`ceiling c=${l.concurrency}`, l.ceiling.throughput, pl.ceiling.throughput, '/s'),
    );
    lines.push(
      row(`capture c=${l.concurrency}`, l.capture.throughput, pl.capture.throughput, '/s'),
    );
    lines.push(
      row(`capture p99 c=${l.concurrency}`, l.capture.latency.p99, pl.capture.latency.p99, ' ms'),
    );
  });
  lines.push(
    row('capture p99 at half peak', r.halfPeak.latency.p99, p.halfPeak.latency.p99, ' ms'),
    row('start-up median', r.startup.medianReadySeconds, p.startup.medianReadySeconds, ' s'),
  );
  for (const ladder of r.ladders ?? []) {
    const before = p.ladders?.find((l) => l.storage === ladder.storage);
    if (!before) continue;
    const label = ladder.storage === 'disk' ? 'on disk' : 'in memory';
    lines.push(
      row(
        `${label}, first seconds p99`,
        ladder.firstSeconds.latency.p99,
        before.firstSeconds.latency.p99,
        ' ms',
      ),
    );
    for (const step of ladder.steps) {
      const was = before.steps.find((s) => s.rate === step.rate);
      if (!was) continue;
      lines.push(
        row(`${label}, ${step.rate}/s p50`, step.latency.p50, was.latency.p50, ' ms'),
        row(`${label}, ${step.rate}/s p99`, step.latency.p99, was.latency.p99, ' ms'),
        row(`${label}, ${step.rate}/s CPU per webhook`, stackCpuMs(step), stackCpuMs(was), ' ms'),
      );
    }
  }
  if (!p.ladders)
    lines.push(
      '',
      'The previous run predates the ladder (one end-to-end rate in memory): its latencies are not comparable.',
    );
  return lines;
}

function machineSection(r: BenchResults): string[] {
  const m = r.machine;
  return [
    '## Machine and versions',
    '',
    `- ${m.nproc} cores (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.platform}`,
    `- Node.js ${m.node}; ${m.java}${m.dynamodbLocal ? `; DynamoDB Local ${m.dynamodbLocal}` : ''}`,
    `- ${Object.entries(m.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `- The emulator runs each function in up to ${r.maxConcurrency ?? 8} worker threads (\`maxConcurrency\`; its default is 8), with the`,
    `  local profile's settings (512 MB, capture timeout 10 s, \`LOG_LEVEL=info\`, ${r.streamRecordConcurrency ?? 1} record${(r.streamRecordConcurrency ?? 1) === 1 ? '' : 's'} of a stream batch at once).`,
    '',
    '## Reproduce',
    '',
    '```bash',
    'npm ci',
    'uptime                        # run when the load average is low; --wait-idle waits for it',
    'npm run bench                 # about 10 minutes: writes bench/results.json and this page',
    'npm run bench -- --quick      # about 2 minutes: shorter levels, one start-up',
    'npm run bench -- --quick --profile   # the same under node --cpu-prof, summary in bench/profile/',
    'npm run bench -- --quick --stream-record-concurrency 10   # a stream batch at once, as on AWS',
    'npm run bench -- --report     # rewrite this page from bench/results.json (keeps the analysis)',
    'npm run bench:payloads        # capture latency by body size, against a running npm start',
    'npm run capacity              # docs/capacity.md from docs/capacity-inputs.json and these results',
    '```',
  ];
}

function kb(bytes: number): string {
  return (bytes / 1000).toFixed(1);
}
