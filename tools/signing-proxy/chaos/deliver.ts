import type { Provider } from '../../../services/providers/provider.js';
import type { ProviderCatalogue } from '../catalogue/provider-catalogue.js';
import type { DeliveryRecord } from '../run-report.js';
import type {
  DeliveryMutation,
  DeliveryPlan,
  EventChaos,
  PlannedDelivery,
} from './chaos-planner.js';
import type { ChaosSpec } from './chaos-spec.js';

/** An event ready to go: its exact bytes and what the report says about it. */
export interface OutgoingEvent {
  readonly provider: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly resource?: string;
  readonly occurredAt?: Date;
  readonly rawBody: string;
}

/** How to sign as one provider: the receiver's module with the right secret, and a wrong one. */
export interface Sender {
  readonly catalogue: ProviderCatalogue;
  readonly signer: Provider;
  readonly wrongSigner: Provider;
}

export interface DeliverOptions {
  /** The receiver's base URL; webhooks go to `<url>/api/webhooks/<provider>`. */
  readonly receiverUrl: string;
  readonly senders: ReadonlyMap<string, Sender>;
  /** The sender's clock: signing times come from it. */
  readonly clock: () => Date;
  readonly fetch: typeof fetch;
  /** How long to wait for an answer; Stripe gives up after 30 s as well. */
  readonly timeoutMs?: number;
}

const DEFAULT_MAX_IN_FLIGHT = 8;
const DEFAULT_COMPRESS = 10_000;

/**
 * Sends a plan: each delivery at its time, at most `maxInFlight` at once, concurrent copies at
 * the same instant, each signed at the moment it goes (as the real sender does, retries too),
 * then mutated as planned. With `spec.retry`, a non-2xx answer is retried on the provider's own
 * schedule, compressed. Resolves when every delivery and retry has been answered.
 */
export async function deliverPlan(
  events: readonly OutgoingEvent[],
  plan: DeliveryPlan,
  spec: ChaosSpec,
  options: DeliverOptions,
): Promise<DeliveryRecord[]> {
  const slots = new Semaphore(spec.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const records: DeliveryRecord[] = [];
  let seq = 0;
  const pending = new Set<Promise<void>>();
  const failures: unknown[] = [];
  const track = (promise: Promise<void>) => {
    const settled = promise.catch((error: unknown) => {
      failures.push(error);
    });
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };

  const attempt = async (delivery: PlannedDelivery, attemptNumber: number): Promise<void> => {
    const event = events[delivery.event]!;
    const chaos = plan.events[delivery.event]!;
    const record = await send(event, chaos, delivery.copy, attemptNumber, seq++, options);
    records.push(record);
    const schedule = options.senders.get(event.provider)!.catalogue.retrySchedule.delaysSeconds;
    const maxRetries = Math.min(spec.retry?.maxRetries ?? schedule.length, schedule.length);
    const failed = record.response.status < 200 || record.response.status > 299;
    if (spec.retry && failed && attemptNumber <= maxRetries) {
      const delayMs =
        (schedule[attemptNumber - 1]! * 1000) / (spec.retry.compress ?? DEFAULT_COMPRESS);
      track(
        (async () => {
          await sleep(delayMs);
          await slots.run(() => attempt(delivery, attemptNumber + 1));
        })(),
      );
    }
  };

  const started = performance.now();
  for (const unit of groupConcurrent(plan.deliveries)) {
    const wait = started + unit[0]!.atMs - performance.now();
    if (wait > 0) await sleep(wait);
    await slots.acquire();
    track(
      Promise.all(unit.map((delivery) => attempt(delivery, 1)))
        .then(() => undefined)
        .finally(() => slots.release()),
    );
  }
  while (pending.size > 0) await Promise.all([...pending]);
  // A delivery that could not even be built (a provider refused to sign) is a bug, not chaos.
  if (failures.length > 0) throw failures[0];
  return records.sort((a, b) => a.seq - b.seq);
}

async function send(
  event: OutgoingEvent,
  chaos: EventChaos,
  copy: number,
  attempt: number,
  seq: number,
  options: DeliverOptions,
): Promise<DeliveryRecord> {
  const sender = options.senders.get(event.provider)!;
  const { mutation } = chaos;
  const now = options.clock();
  const signedAt = new Date(now.getTime() + (mutation.skewSeconds ?? 0) * 1000);
  // Built apart from the call so that this compiles whether or not SignInput lists eventType.
  const signInput = {
    rawBody: event.rawBody,
    timestamp: signedAt,
    eventId: event.eventId,
    eventType: event.eventType,
  };
  const signer = mutation.wrongSecret ? sender.wrongSigner : sender.signer;
  const headers: Record<string, string> = { ...(await signer.sign(signInput)) };
  applyMutation(headers, mutation, sender.catalogue.signatureHeader);
  const rawBody = mutation.tamper === 'body' ? tamperBody(event.rawBody) : event.rawBody;

  const base = {
    seq,
    provider: event.provider,
    eventType: event.eventType,
    eventId: event.eventId,
    ...(event.resource ? { resource: event.resource } : {}),
    ...(event.occurredAt ? { occurredAt: event.occurredAt.toISOString() } : {}),
    copy,
    attempt,
    chaos: chaos.chaos,
    sentAt: now.toISOString(),
  };
  const url = `${options.receiverUrl.replace(/\/+$/, '')}/api/webhooks/${encodeURIComponent(event.provider)}`;
  const started = performance.now();
  try {
    const response = await options.fetch(url, {
      method: 'POST',
      headers,
      body: rawBody,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    const body = parseJson(text);
    const id = (body as { id?: unknown } | undefined)?.id;
    return {
      ...base,
      ...(typeof id === 'string' ? { webhookId: id } : {}),
      response: { status: response.status, body, ms },
    };
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs ?? 30_000} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ...base, response: { status: 0, body: null, ms }, error: reason };
  }
}

function applyMutation(
  headers: Record<string, string>,
  mutation: DeliveryMutation,
  signatureHeader: string,
): void {
  if (mutation.tamper === 'signature' && headers[signatureHeader]) {
    headers[signatureHeader] = flipLastAlphanumeric(headers[signatureHeader]!);
  }
  Object.assign(headers, mutation.headers);
}

/** Same JSON shape, different bytes and meaning: what a meddling proxy would do. */
export function tamperBody(rawBody: string): string {
  return /^\s*\{\s*"/.test(rawBody) ? rawBody.replace('{', '{"tampered":true,') : `${rawBody} `;
}

/** A well-formed signature that no longer matches: its last letter or digit changed. */
export function flipLastAlphanumeric(value: string): string {
  for (let i = value.length - 1; i >= 0; i--) {
    const char = value[i]!;
    if (/[A-Za-z0-9]/.test(char)) {
      return `${value.slice(0, i)}${char === 'a' ? 'b' : 'a'}${value.slice(i + 1)}`;
    }
  }
  return `${value}a`;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 2000);
  }
}

/** Concurrent copies of one event go as one unit; everything else one by one, in plan order. */
function groupConcurrent(deliveries: readonly PlannedDelivery[]): PlannedDelivery[][] {
  const units: PlannedDelivery[][] = [];
  const byGroup = new Map<number, PlannedDelivery[]>();
  for (const delivery of deliveries) {
    if (delivery.group === undefined) {
      units.push([delivery]);
      continue;
    }
    const unit = byGroup.get(delivery.group);
    if (unit) unit.push(delivery);
    else {
      const fresh = [delivery];
      byGroup.set(delivery.group, fresh);
      units.push(fresh);
    }
  }
  return units;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
