import { parse as parseYaml } from 'yaml';
import type { CatalogueEvent, ProviderCatalogue } from '../catalogue/provider-catalogue.js';
import { InvalidProxyRequestError } from '../errors.js';
import { seededIds } from '../ids.js';
import type { Rng } from '../prng.js';
import { type ChaosSpec, parseChaosSpec } from './chaos-spec.js';

/**
 * A scenario document (JSON or YAML): events to send, written out or generated per resource,
 * and the chaos to send them with. See scenarios/chaos-orders.yaml.
 */
export interface Scenario {
  readonly name?: string;
  /** Reproduces the run: the same seed gives the same events, ids and chaos. Random when absent. */
  readonly seed?: number;
  /** Where the CLI sends it when `--receiver` is not given (the proxy keeps its own target). */
  readonly receiver?: string;
  /** Provider time of the earliest generated event (ISO). Default: an hour before the run. */
  readonly startAt?: string;
  readonly generate?: readonly GenerateRule[];
  readonly events?: readonly ScenarioEvent[];
  readonly chaos?: ChaosSpec;
}

/** `resources` resources (payment intents, orders), each with `eventsPerResource` events. */
export interface GenerateRule {
  readonly provider: string;
  readonly resources: number;
  readonly eventsPerResource: number;
  /** The first opens each resource's history; the others are drawn at random for the rest. */
  readonly types: readonly string[];
  /** Seconds of provider time between a resource's events. Default 1 to 120. */
  readonly stepSeconds?: { readonly min: number; readonly max: number };
  /** Share of events that carry the same provider time as the one before (a tie). Default 0. */
  readonly ties?: number;
  /** Use these resource ids instead of generated ones. */
  readonly resourceIds?: readonly string[];
}

export interface ScenarioEvent {
  readonly provider: string;
  readonly type: string;
  readonly resource?: string;
  /** Provider time (ISO), or seconds after `startAt`. */
  readonly at?: string;
  readonly afterSeconds?: number;
  readonly overrides?: Readonly<Record<string, unknown>>;
}

const MAX_EVENTS = 100_000;

/** Parses and validates a scenario from JSON or YAML text (YAML is a superset of JSON). */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw invalid(`${source} is neither JSON nor YAML: ${(error as Error).message}`);
  }
  return parseScenario(value, source);
}

export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const doc = object(value, source);
  const known = ['name', 'seed', 'receiver', 'startAt', 'generate', 'events', 'chaos'];
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) {
      throw invalid(`${source}: unknown key "${key}". A scenario has: ${known.join(', ')}.`);
    }
  }
  if (doc.seed !== undefined && !Number.isSafeInteger(doc.seed)) {
    throw invalid(`${source}.seed must be an integer.`);
  }
  for (const key of ['name', 'receiver', 'startAt'] as const) {
    if (doc[key] !== undefined && typeof doc[key] !== 'string') {
      throw invalid(`${source}.${key} must be a string.`);
    }
  }
  if (doc.startAt !== undefined && Number.isNaN(Date.parse(doc.startAt as string))) {
    throw invalid(`${source}.startAt must be an ISO date-time.`);
  }
  const generate = list(doc.generate, `${source}.generate`).map((rule, i) => {
    const path = `${source}.generate[${i}]`;
    const r = object(rule, path);
    const step =
      r.stepSeconds === undefined ? undefined : object(r.stepSeconds, `${path}.stepSeconds`);
    const parsed: GenerateRule = {
      provider: text(r.provider, `${path}.provider`),
      resources: int(r.resources, `${path}.resources`, 1, MAX_EVENTS),
      eventsPerResource: int(r.eventsPerResource, `${path}.eventsPerResource`, 1, MAX_EVENTS),
      types: list(r.types, `${path}.types`).map((t, j) => text(t, `${path}.types[${j}]`)),
      ...(step
        ? {
            stepSeconds: {
              min: int(step.min, `${path}.stepSeconds.min`, 0, 86_400),
              max: int(step.max, `${path}.stepSeconds.max`, 0, 86_400),
            },
          }
        : {}),
      ...(r.ties === undefined ? {} : { ties: fraction(r.ties, `${path}.ties`) }),
      ...(r.resourceIds === undefined
        ? {}
        : {
            resourceIds: list(r.resourceIds, `${path}.resourceIds`).map((id, j) => {
              if (id === null || id === undefined || id === '') {
                throw invalid(`${path}.resourceIds[${j}] is empty.`);
              }
              return String(id);
            }),
          }),
    };
    if (parsed.types.length === 0) throw invalid(`${path}.types needs at least one event type.`);
    if (parsed.stepSeconds && parsed.stepSeconds.max < parsed.stepSeconds.min) {
      throw invalid(`${path}.stepSeconds.max is below min.`);
    }
    return parsed;
  });
  const events = list(doc.events, `${source}.events`).map((event, i) => {
    const path = `${source}.events[${i}]`;
    const e = object(event, path);
    if (e.at !== undefined && (typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at)))) {
      throw invalid(`${path}.at must be an ISO date-time.`);
    }
    if (e.overrides !== undefined) object(e.overrides, `${path}.overrides`);
    return {
      provider: text(e.provider, `${path}.provider`),
      type: text(e.type, `${path}.type`),
      ...(e.resource === undefined ? {} : { resource: String(e.resource) }),
      ...(e.at === undefined ? {} : { at: e.at as string }),
      ...(e.afterSeconds === undefined
        ? {}
        : { afterSeconds: int(e.afterSeconds, `${path}.afterSeconds`, -31_536_000, 31_536_000) }),
      ...(e.overrides === undefined
        ? {}
        : { overrides: e.overrides as Readonly<Record<string, unknown>> }),
    } satisfies ScenarioEvent;
  });
  const total =
    generate.reduce((sum, r) => sum + r.resources * r.eventsPerResource, 0) + events.length;
  if (total === 0) throw invalid(`${source} has no events: add "generate" or "events".`);
  if (total > MAX_EVENTS) throw invalid(`${source} makes ${total} events; at most ${MAX_EVENTS}.`);
  return {
    ...(doc.name === undefined ? {} : { name: doc.name as string }),
    ...(doc.seed === undefined ? {} : { seed: doc.seed as number }),
    ...(doc.receiver === undefined ? {} : { receiver: doc.receiver as string }),
    ...(doc.startAt === undefined ? {} : { startAt: doc.startAt as string }),
    ...(generate.length ? { generate } : {}),
    ...(events.length ? { events } : {}),
    ...(doc.chaos === undefined ? {} : { chaos: parseChaosSpec(doc.chaos, `${source}.chaos`) }),
  };
}

/**
 * The scenario's events, built from the catalogues with ids and times drawn from `rng`, in
 * provider-time order (the order an orderly sender would use; the chaos reorders them).
 */
export function buildScenarioEvents(
  scenario: Scenario,
  catalogues: ReadonlyMap<string, ProviderCatalogue>,
  rng: Rng,
  now: Date,
): CatalogueEvent[] {
  const ids = seededIds(rng);
  const start = scenario.startAt ? new Date(scenario.startAt) : new Date(now.getTime() - 3_600_000);
  const built: CatalogueEvent[] = [];
  const entryOf = (provider: string, type: string, path: string) => {
    const catalogue = catalogues.get(provider);
    if (!catalogue) {
      throw invalid(
        `${path}: no provider "${provider}". Known: ${[...catalogues.keys()].join(', ')}.`,
      );
    }
    const entry = catalogue.events[type];
    if (!entry) {
      throw invalid(
        `${path}: ${provider} has no event "${type}". Known: ${Object.keys(catalogue.events).join(', ')}.`,
      );
    }
    return entry;
  };

  scenario.generate?.forEach((rule, i) => {
    const path = `generate[${i}]`;
    const entries = rule.types.map((type) => entryOf(rule.provider, type, path));
    const resourceType = entries[0]!.resourceType;
    if (entries.some((e) => e.resourceType !== resourceType)) {
      throw invalid(`${path}.types must all be about one kind of resource (${resourceType}).`);
    }
    const step = rule.stepSeconds ?? { min: 1, max: 120 };
    for (let r = 0; r < rule.resources; r++) {
      let resourceId = rule.resourceIds?.[r];
      let at = start.getTime() + rng.int(0, 600) * 1000;
      for (let k = 0; k < rule.eventsPerResource; k++) {
        if (k > 0 && !rng.chance(rule.ties ?? 0)) at += rng.int(step.min, step.max) * 1000;
        const typeIndex = k === 0 || entries.length === 1 ? 0 : rng.int(1, entries.length - 1);
        const event = entries[typeIndex]!.build({
          ids,
          occurredAt: new Date(at),
          ...(resourceId === undefined ? {} : { resourceId }),
        });
        resourceId ??= event.resource.slice(resourceType.length + 1);
        built.push(event);
      }
    }
  });
  scenario.events?.forEach((e, i) => {
    const entry = entryOf(e.provider, e.type, `events[${i}]`);
    const occurredAt = e.at
      ? new Date(e.at)
      : e.afterSeconds !== undefined
        ? new Date(start.getTime() + e.afterSeconds * 1000)
        : now;
    built.push(
      entry.build({
        ids,
        occurredAt,
        ...(e.resource === undefined ? {} : { resourceId: e.resource }),
        ...(e.overrides === undefined ? {} : { overrides: e.overrides }),
      }),
    );
  });
  // Stable: events with the same time keep the order they were written or generated in.
  return built
    .map((event, index) => ({ event, index }))
    .sort(
      (a, b) => a.event.occurredAt.getTime() - b.event.occurredAt.getTime() || a.index - b.index,
    )
    .map(({ event }) => event);
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${path} must be an object.`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(`${path} must be a list.`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalid(`${path} must be a non-empty string.`);
  return value;
}

function int(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${path} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function fraction(value: unknown, path: string): number {
  if (typeof value !== 'number' || value < 0 || value > 1) {
    throw invalid(`${path} must be a number from 0 to 1.`);
  }
  return value;
}

function invalid(message: string): InvalidProxyRequestError {
  return new InvalidProxyRequestError(message);
}
