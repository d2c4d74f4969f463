import type { LogSink } from '../../emulator/lambda-runtime.js';

/** The log events of the processing functions that mark an attempt's milestones. */
export type MilestoneEvent =
  | 'attempt.started'
  | 'attempt.completed'
  | 'attempt.failed'
  | 'webhook.dead';
const MILESTONES: readonly MilestoneEvent[] = [
  'attempt.started',
  'attempt.completed',
  'attempt.failed',
  'webhook.dead',
];

interface Waiter {
  readonly id: string;
  readonly event: MilestoneEvent;
  readonly resolve: (at: number) => void;
}

/**
 * Reads the functions' log lines as CloudWatch would receive them: counts bytes and lines per
 * function, and keeps, per webhook, the time (the line's own `time`, epoch ms) of each attempt
 * milestone. Only lines that name a milestone are parsed, so the tap costs little under load.
 */
export class FunctionLogTap {
  readonly bytes = new Map<string, number>();
  readonly lines = new Map<string, number>();
  readonly #milestones = new Map<string, Map<MilestoneEvent, number[]>>();
  readonly #partial = new Map<string, string>();
  /** By webhook id: thousands wait at once during a ladder step, and every line looks here. */
  readonly #waiters = new Map<string, Waiter[]>();

  readonly sink: LogSink = (fn, _stream, chunk) => {
    this.bytes.set(fn, (this.bytes.get(fn) ?? 0) + Buffer.byteLength(chunk));
    const text = (this.#partial.get(fn) ?? '') + chunk;
    const lines = text.split('\n');
    this.#partial.set(fn, lines.pop() ?? '');
    this.lines.set(fn, (this.lines.get(fn) ?? 0) + lines.length);
    for (const line of lines) {
      if (!line.includes('"attempt.') && !line.includes('"webhook.dead"')) continue;
      let entry: { event?: string; webhookId?: string; time?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      const event = entry.event as MilestoneEvent;
      if (!entry.webhookId || !entry.time || !MILESTONES.includes(event)) continue;
      this.#record(entry.webhookId, event, Date.parse(entry.time));
    }
  };

  /** Every time `event` was logged for the webhook, oldest first. */
  times(id: string, event: MilestoneEvent): readonly number[] {
    return this.#milestones.get(id)?.get(event) ?? [];
  }

  /** How many webhooks have logged `event` at least once. */
  count(event: MilestoneEvent): number {
    let n = 0;
    for (const events of this.#milestones.values()) if (events.has(event)) n++;
    return n;
  }

  /** Resolves with the time of the webhook's first `event`, or undefined after `timeoutMs`. */
  waitFor(id: string, event: MilestoneEvent, timeoutMs: number): Promise<number | undefined> {
    const seen = this.times(id, event)[0];
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const left = (this.#waiters.get(id) ?? []).filter((w) => w !== waiter);
        if (left.length > 0) this.#waiters.set(id, left);
        else this.#waiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        id,
        event,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), waiter]);
    });
  }

  /** Drops the milestones kept so far (the byte and line counts stay). */
  forget(): void {
    this.#milestones.clear();
  }

  #record(id: string, event: MilestoneEvent, at: number): void {
    let events = this.#milestones.get(id);
    if (!events) {
      events = new Map();
      this.#milestones.set(id, events);
    }
    const list = events.get(event) ?? [];
    list.push(at);
    events.set(event, list);
    const waiting = this.#waiters.get(id);
    if (!waiting) return;
    const ready = waiting.filter((w) => w.event === event);
    if (ready.length === 0) return;
    const left = waiting.filter((w) => w.event !== event);
    if (left.length > 0) this.#waiters.set(id, left);
    else this.#waiters.delete(id);
    for (const waiter of ready) waiter.resolve(at);
  }
}
