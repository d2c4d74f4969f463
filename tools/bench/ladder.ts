import { performance } from 'node:perf_hooks';
import type { CpuMeter, CpuShares } from './cpu-accounting.js';
import type { FunctionLogTap } from './function-log-tap.js';
import type { LoadResult } from './load-generator.js';
import type { LoadGeneratorProcess } from './load-generator-process.js';
import { type LatencySummary, round, summarize } from './statistics.js';

/** One rate of the ladder (or the first seconds after ready): sent open loop, then drained. */
export interface RateStep {
  readonly rate: number;
  readonly seconds: number;
  /** Requests sent; those not answered 202 are in `errors` (5xx, timeouts) or were duplicates. */
  readonly sent: number;
  readonly accepted: number;
  readonly completed: number;
  readonly errors: number;
  /** The 202s' own latency, from each request's due time. */
  readonly captureLatency: LatencySummary;
  /**
   * End to end, what a sender's webhook waits: from the request's due time to the process
   * function's `attempt.completed` line (written after the `completed` status write returned).
   */
  readonly latency: LatencySummary;
  /** From `attempt.started` to `attempt.completed` (processor and the finishing write). */
  readonly attemptDuration: LatencySummary;
  /** Webhooks of this step processed per second while it was sending. */
  readonly processedPerSecond: number;
  /** Accepted but not yet processed when the last request was answered. */
  readonly backlogAtEnd: number;
  /** More than a second's worth of webhooks waiting when sending stopped: it is not keeping up. */
  readonly backlogGrew: boolean;
  /** From the last answer until every accepted webhook was processed. */
  readonly drainSeconds: number;
  /** CPU milliseconds per processed webhook (capture and processing), by process. */
  readonly cpuMsPerWebhook: CpuShares;
}

export interface LadderRun {
  /** `disk`: DynamoDB Local on a data directory (what `npm start` runs); `memory`: DATA_DIR=memory. */
  readonly storage: 'disk' | 'memory';
  /** Seconds from the start call to ready (in the bench's own process, assembly reused). */
  readonly readySeconds: number;
  /** The first seconds after ready, before anything else was sent. */
  readonly firstSeconds: RateStep;
  /** The whole stack's CPU while nothing is sent, in cores (DynamoDB Local + the emulator). */
  readonly idleCores: { readonly dynamodbLocal: number; readonly emulator: number };
  readonly steps: readonly RateStep[];
  /** The highest rate that kept up (no backlog, p99 ≤ 1 s), if any did. */
  readonly kneeRate?: number;
}

export interface LadderContext {
  readonly api: string;
  readonly load: LoadGeneratorProcess;
  readonly tap: FunctionLogTap;
  readonly meter: CpuMeter;
}

/** A step that fell behind or waited over a second at p99: the ladder stops after it. */
export function pastTheKnee(step: RateStep): boolean {
  return step.backlogGrew || step.latency.p99 > 1000 || step.completed < step.accepted;
}

/** Sends `rate` webhooks a second for `seconds`, then waits until each has been processed. */
export async function rateStep(
  context: LadderContext,
  rate: number,
  seconds: number,
  drainLimitSeconds = 60,
): Promise<RateStep> {
  const { load, tap, meter } = context;
  const stopMeter = meter.start();
  const sendStarted = performance.timeOrigin + performance.now();
  const sent: LoadResult = await load.run({
    kind: 'paced-http',
    url: context.api,
    ratePerSecond: rate,
    warmupMs: 0,
    durationMs: seconds * 1000,
    maxInFlight: 64,
  });
  const sendEnded = performance.timeOrigin + performance.now();
  const accepted = sent.accepted ?? [];
  const completions = await Promise.all(
    accepted.map((a) => tap.waitFor(a.id, 'attempt.completed', drainLimitSeconds * 1000)),
  );
  const drained = performance.timeOrigin + performance.now();
  const cpu = stopMeter();
  const latencies: number[] = [];
  const attempts: number[] = [];
  let doneBySendEnd = 0;
  let lastCompletion = sendEnded;
  accepted.forEach((a, i) => {
    const at = completions[i];
    if (at === undefined) return;
    latencies.push(at - a.sentAt);
    const startedAt = tap.times(a.id, 'attempt.started')[0];
    if (startedAt !== undefined) attempts.push(at - startedAt);
    if (at <= sendEnded) doneBySendEnd++;
    lastCompletion = Math.max(lastCompletion, at);
  });
  const backlogAtEnd = accepted.length - doneBySendEnd;
  const per = (cpuSeconds: number) => round((cpuSeconds * 1000) / Math.max(1, latencies.length), 2);
  return {
    rate,
    seconds,
    sent: sent.poolSize,
    accepted: accepted.length,
    completed: latencies.length,
    errors: sent.errors,
    captureLatency: sent.latency,
    latency: summarize(latencies),
    attemptDuration: summarize(attempts),
    processedPerSecond: round(doneBySendEnd / ((sendEnded - sendStarted) / 1000), 1),
    backlogAtEnd,
    backlogGrew: backlogAtEnd > Math.max(5, rate) || latencies.length < accepted.length,
    // Some never finished: it drained for as long as it was waited for.
    drainSeconds: round(
      ((latencies.length < accepted.length ? drained : lastCompletion) - sendEnded) / 1000,
    ),
    cpuMsPerWebhook: {
      dynamodbLocal: per(cpu.dynamodbLocal),
      emulator: per(cpu.emulator),
      loadGenerator: per(cpu.loadGenerator),
    },
  };
}

/** The stack's CPU over `seconds` with nothing sent, in cores. */
export async function idleCores(
  meter: CpuMeter,
  seconds: number,
): Promise<{ dynamodbLocal: number; emulator: number }> {
  const stop = meter.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = stop();
  return {
    dynamodbLocal: round(cpu.dynamodbLocal / seconds, 3),
    emulator: round(cpu.emulator / seconds, 3),
  };
}

/** Climbs `rates` in order, stopping after the first step past the knee. */
export async function climb(
  context: LadderContext,
  rates: readonly number[],
  seconds: number,
  onStep: (step: RateStep) => void = () => {},
): Promise<{ steps: RateStep[]; kneeRate?: number }> {
  const steps: RateStep[] = [];
  let kneeRate: number | undefined;
  for (const rate of rates) {
    const step = await rateStep(context, rate, seconds);
    steps.push(step);
    onStep(step);
    if (pastTheKnee(step)) break;
    kneeRate = rate;
  }
  return { steps, ...(kneeRate === undefined ? {} : { kneeRate }) };
}

export function describeStep(step: RateStep): string {
  const c = step.cpuMsPerWebhook;
  return `${step.rate}/s: p50 ${step.latency.p50} ms, p99 ${step.latency.p99} ms, processed ${step.processedPerSecond}/s, backlog at end ${step.backlogAtEnd}${step.backlogGrew ? ' (grew)' : ''}, drained in ${step.drainSeconds} s, CPU/webhook ${c.dynamodbLocal} + ${c.emulator} ms (${step.completed}/${step.accepted})`;
}
