import { InvalidProxyRequestError } from '../errors.js';

/**
 * What can go wrong on the way, per request or for a whole scenario. Every `rate` is the share of
 * the run's events it applies to (chosen by the seed, exactly `round(rate × events)` of them);
 * it defaults to 1, which is what a single request wants.
 */
export interface ChaosSpec {
  /** Sends `copies` extra copies of an event: all at once (`concurrent` share) or `spacingMs` apart. */
  readonly duplicates?: {
    readonly copies: number;
    readonly rate?: number;
    /** Share of the duplicated events whose copies go at the same instant. Default 0. */
    readonly concurrent?: number;
    /** Between spaced copies. Default 1000. */
    readonly spacingMs?: number;
  };
  /** Shuffles the delivery order within consecutive windows of this many events. */
  readonly reorder?: { readonly window: number };
  /** Holds every event back `ms`, plus a random 0…`jitterMs`. */
  readonly delay?: { readonly ms?: number; readonly jitterMs?: number };
  /** Starts events at this rate instead of as fast as `maxInFlight` allows. */
  readonly burst?: { readonly ratePerSecond: number };
  /** Changes the body after signing, or the signature itself. */
  readonly tamper?: { readonly kind: 'body' | 'signature'; readonly rate?: number };
  /** Moves the signing time: negative is stale (e.g. -600), positive is in the future. */
  readonly timestamp?: { readonly skewSeconds: number; readonly rate?: number };
  /** Signs with a well-formed secret that is not the receiver's. */
  readonly wrongSecret?: { readonly rate?: number };
  /** Added to every delivery. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Headers added to a share of the events, each rule to different events (e.g.
   * `x-fault-fail-attempts: 1` to 5% and `99` to 1%).
   */
  readonly inject?: readonly {
    readonly rate: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly label?: string;
  }[];
  /**
   * The sender's own retries after a non-2xx answer, on its real schedule divided by `compress`
   * (default 10 000: Stripe's three days take 26 s). At most `maxRetries` (default: all).
   */
  readonly retry?: { readonly compress?: number; readonly maxRetries?: number };
  /** How many deliveries may be in flight at once. Default 8. */
  readonly maxInFlight?: number;
}

export const DEFAULT_STALE_SKEW_SECONDS = 600;

const KEYS = new Set([
  'duplicates',
  'reorder',
  'delay',
  'burst',
  'tamper',
  'timestamp',
  'wrongSecret',
  'headers',
  'inject',
  'retry',
  'maxInFlight',
]);

/** Validates a chaos spec from JSON, YAML or a request body. */
export function parseChaosSpec(value: unknown, path = 'chaos'): ChaosSpec {
  if (value === undefined || value === null) return {};
  const spec = object(value, path);
  for (const key of Object.keys(spec)) {
    if (!KEYS.has(key)) {
      throw invalid(`${path}.${key} is not a chaos option. Use one of: ${[...KEYS].join(', ')}.`);
    }
  }
  const out: Record<string, unknown> = {};
  if (spec.duplicates !== undefined) {
    const d = object(spec.duplicates, `${path}.duplicates`);
    out.duplicates = {
      copies: required(
        integer(d.copies, `${path}.duplicates.copies`, 1, 100),
        `${path}.duplicates.copies`,
      ),
      ...optional('rate', rate(d.rate, `${path}.duplicates.rate`)),
      ...optional('concurrent', rate(d.concurrent, `${path}.duplicates.concurrent`)),
      ...optional('spacingMs', integer(d.spacingMs, `${path}.duplicates.spacingMs`, 0, 600_000)),
    };
  }
  if (spec.reorder !== undefined) {
    const r = object(spec.reorder, `${path}.reorder`);
    out.reorder = {
      window: required(
        integer(r.window, `${path}.reorder.window`, 1, 1_000_000),
        `${path}.reorder.window`,
      ),
    };
  }
  if (spec.delay !== undefined) {
    const d = object(spec.delay, `${path}.delay`);
    out.delay = {
      ...optional('ms', integer(d.ms, `${path}.delay.ms`, 0, 600_000)),
      ...optional('jitterMs', integer(d.jitterMs, `${path}.delay.jitterMs`, 0, 600_000)),
    };
  }
  if (spec.burst !== undefined) {
    const b = object(spec.burst, `${path}.burst`);
    out.burst = {
      ratePerSecond: required(
        number(b.ratePerSecond, `${path}.burst.ratePerSecond`, 0.001),
        `${path}.burst.ratePerSecond`,
      ),
    };
  }
  if (spec.tamper !== undefined) {
    const t = object(spec.tamper, `${path}.tamper`);
    if (t.kind !== 'body' && t.kind !== 'signature') {
      throw invalid(`${path}.tamper.kind must be "body" or "signature".`);
    }
    out.tamper = { kind: t.kind, ...optional('rate', rate(t.rate, `${path}.tamper.rate`)) };
  }
  if (spec.timestamp !== undefined) {
    const t = object(spec.timestamp, `${path}.timestamp`);
    out.timestamp = {
      skewSeconds: required(
        integer(t.skewSeconds, `${path}.timestamp.skewSeconds`, -31_536_000, 31_536_000),
        `${path}.timestamp.skewSeconds`,
      ),
      ...optional('rate', rate(t.rate, `${path}.timestamp.rate`)),
    };
  }
  if (spec.wrongSecret !== undefined) {
    const w = spec.wrongSecret === true ? {} : object(spec.wrongSecret, `${path}.wrongSecret`);
    out.wrongSecret = optional('rate', rate(w.rate, `${path}.wrongSecret.rate`));
  }
  if (spec.headers !== undefined) out.headers = headers(spec.headers, `${path}.headers`);
  if (spec.inject !== undefined) {
    if (!Array.isArray(spec.inject)) throw invalid(`${path}.inject must be a list.`);
    out.inject = spec.inject.map((rule, i) => {
      const r = object(rule, `${path}.inject[${i}]`);
      const label = r.label;
      if (label !== undefined && typeof label !== 'string') {
        throw invalid(`${path}.inject[${i}].label must be a string.`);
      }
      return {
        rate: rate(r.rate, `${path}.inject[${i}].rate`) ?? 1,
        headers: headers(r.headers, `${path}.inject[${i}].headers`),
        ...optional('label', label),
      };
    });
    const total = (out.inject as Array<{ rate: number }>).reduce((sum, r) => sum + r.rate, 0);
    if (total > 1) throw invalid(`${path}.inject rates add up to ${total}; at most 1.`);
  }
  if (spec.retry !== undefined) {
    const r = spec.retry === true ? {} : object(spec.retry, `${path}.retry`);
    out.retry = {
      ...optional('compress', number(r.compress, `${path}.retry.compress`, 1)),
      ...optional('maxRetries', integer(r.maxRetries, `${path}.retry.maxRetries`, 0, 100)),
    };
  }
  if (spec.maxInFlight !== undefined) {
    out.maxInFlight = integer(spec.maxInFlight, `${path}.maxInFlight`, 1, 256);
  }
  return out as ChaosSpec;
}

/** The flat flags `chaosFromFlags` reads (kebab-case; camelCase works too). */
export const CHAOS_FLAGS = [
  'duplicates',
  'concurrent',
  'spacing-ms',
  'reorder-window',
  'delay-ms',
  'jitter-ms',
  'rate',
  'tamper',
  'stale',
  'future',
  'skew-seconds',
  'wrong-secret',
  'header',
  'retry',
  'compress',
  'max-retries',
  'max-in-flight',
] as const;

/** `wrongSecret` → `wrong-secret`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The same options as flat flags, for query strings and the CLI: `duplicates=2`, `concurrent`,
 * `spacing-ms=…`, `reorder-window=…`, `delay-ms=…`, `jitter-ms=…`, `rate=…` (per second),
 * `tamper=body|signature`, `stale`, `future`, `skew-seconds=…`, `wrong-secret`, `header=k=v`
 * (repeatable; `k:v` works too), `retry`, `compress=…`, `max-retries=…`, `max-in-flight=…`.
 * camelCase names are accepted as well.
 */
export function chaosFromFlags(
  flags: Readonly<Record<string, string | readonly string[] | boolean | undefined>>,
): ChaosSpec {
  const get = (name: string): string | readonly string[] | boolean | undefined => {
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    return flags[name] ?? flags[camel];
  };
  const text = (name: string): string | undefined => {
    const value = get(name);
    if (value === undefined || typeof value === 'boolean') return undefined;
    return typeof value === 'string' ? value : value.at(-1);
  };
  const flag = (name: string): boolean => {
    const value = get(name);
    if (value === undefined) return false;
    if (typeof value === 'boolean') return value;
    const last = typeof value === 'string' ? value : value.at(-1);
    return last !== '0' && last !== 'false';
  };
  const num = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw invalid(`--${name} must be a number, got "${value}".`);
    return parsed;
  };

  const spec: Record<string, unknown> = {};
  const copies = num('duplicates');
  if (copies !== undefined && copies > 0) {
    spec.duplicates = {
      copies,
      ...(flag('concurrent') ? { concurrent: 1 } : {}),
      ...optional('spacingMs', num('spacing-ms')),
    };
  }
  const window = num('reorder-window');
  if (window !== undefined) spec.reorder = { window };
  const delayMs = num('delay-ms');
  const jitterMs = num('jitter-ms');
  if (delayMs !== undefined || jitterMs !== undefined) {
    spec.delay = { ...optional('ms', delayMs), ...optional('jitterMs', jitterMs) };
  }
  const rate_ = num('rate');
  if (rate_ !== undefined) spec.burst = { ratePerSecond: rate_ };
  const tamper = text('tamper');
  if (tamper !== undefined) spec.tamper = { kind: tamper };
  const skew = num('skew-seconds');
  if (skew !== undefined) spec.timestamp = { skewSeconds: skew };
  else if (flag('stale')) spec.timestamp = { skewSeconds: -DEFAULT_STALE_SKEW_SECONDS };
  else if (flag('future')) spec.timestamp = { skewSeconds: DEFAULT_STALE_SKEW_SECONDS };
  if (flag('wrong-secret')) spec.wrongSecret = {};
  const headerFlags = get('header');
  if (headerFlags !== undefined && typeof headerFlags !== 'boolean') {
    spec.headers = Object.fromEntries(
      (typeof headerFlags === 'string' ? [headerFlags] : headerFlags).map(splitHeader),
    );
  }
  const compress = num('compress');
  const maxRetries = num('max-retries');
  if (flag('retry') || compress !== undefined || maxRetries !== undefined) {
    spec.retry = { ...optional('compress', compress), ...optional('maxRetries', maxRetries) };
  }
  const maxInFlight = num('max-in-flight');
  if (maxInFlight !== undefined) spec.maxInFlight = maxInFlight;
  return parseChaosSpec(spec, 'options');
}

/** A per-request body's chaos merged over the query's: the body wins, key by key. */
export function mergeChaos(base: ChaosSpec, override: ChaosSpec): ChaosSpec {
  return {
    ...base,
    ...override,
    ...(base.headers || override.headers
      ? { headers: { ...base.headers, ...override.headers } }
      : {}),
  };
}

function splitHeader(pair: string): [string, string] {
  const match = /^([^=:]+)[=:](.*)$/.exec(pair);
  if (!match) throw invalid(`A header must look like name=value, got "${pair}".`);
  return [match[1]!.trim().toLowerCase(), match[2]!.trim()];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${path} must be an object.`);
  }
  return value as Record<string, unknown>;
}

function number(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`${path} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number | undefined {
  const n = number(value, path, min, max);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n)) {
    throw invalid(
      `${path} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}

function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw invalid(`${path} is required.`);
  return value;
}

function rate(value: unknown, path: string): number | undefined {
  return number(value, path, 0, 1);
}

function headers(value: unknown, path: string): Record<string, string> {
  const h = object(value, path);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(h)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw invalid(`${path}.${name} must be a string.`);
    }
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw invalid(`${path}: "${name}" is not a valid header name.`);
    }
    out[name.toLowerCase()] = String(v);
  }
  return out;
}

function invalid(message: string): InvalidProxyRequestError {
  return new InvalidProxyRequestError(message);
}
