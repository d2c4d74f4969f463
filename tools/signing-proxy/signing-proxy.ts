import { randomInt } from 'node:crypto';
import { CATALOGUES } from './catalogue/catalogues.js';
import type { CatalogueEvent, ProviderCatalogue } from './catalogue/provider-catalogue.js';
import { planDeliveries } from './chaos/chaos-planner.js';
import type { ChaosSpec } from './chaos/chaos-spec.js';
import { deliverPlan, type OutgoingEvent, type Sender } from './chaos/deliver.js';
import { buildScenarioEvents, type Scenario } from './chaos/scenario.js';
import { InvalidProxyRequestError, UnknownCatalogueEntryError } from './errors.js';
import { seededIds } from './ids.js';
import { Rng } from './prng.js';
import type { DeliveryRecord, EventRecord, RunReport } from './run-report.js';

export interface SigningProxyOptions {
  /** The receiver's base URL: webhooks go to `<url>/api/webhooks/<provider>`. */
  readonly receiverUrl: string;
  /**
   * Each provider's secrets, as the receiver is configured (the first one signs). A provider
   * left out signs with its local development default.
   */
  readonly secrets?: Readonly<Record<string, readonly string[]>>;
  /** The sender's clock: provider times and signing times. Default: the system clock. */
  readonly clock?: () => Date;
  /** The seed of runs that do not bring their own. Default: a new random seed per run. */
  readonly seed?: number;
  readonly catalogues?: readonly ProviderCatalogue[];
  readonly fetch?: typeof fetch;
  /** How long to wait for the receiver's answer. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface SendRequest {
  readonly provider: string;
  readonly eventType: string;
  /** The payment intent, order, … the event is about. Generated when absent. */
  readonly resourceId?: string;
  /** Provider time of the event. Default: now. */
  readonly occurredAt?: Date;
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** A burst: this many events of the type (each its own event), paced by `chaos.burst`. */
  readonly count?: number;
  readonly chaos?: ChaosSpec;
  readonly seed?: number;
}

export interface ForwardRequest {
  readonly provider: string;
  /** Any JSON, signed and sent byte for byte: a captured payload to replay. */
  readonly rawBody: string;
  /** For schemes that carry the id in a header; generated when absent. Stripe reads the body. */
  readonly eventId?: string;
  /** For schemes that carry the type in a header; otherwise read from the body. */
  readonly eventType?: string;
  readonly chaos?: ChaosSpec;
  readonly seed?: number;
}

export interface CatalogueListing {
  readonly receiver: string;
  readonly providers: ReadonlyArray<{
    readonly provider: string;
    readonly events: ReadonlyArray<{
      readonly type: string;
      readonly resourceType: string;
      readonly description: string;
    }>;
    readonly retrySchedule: { readonly delaysSeconds: readonly number[]; readonly source: string };
  }>;
}

export interface SigningProxy {
  readonly receiverUrl: string;
  catalogue(): CatalogueListing;
  send(request: SendRequest): Promise<RunReport>;
  forward(request: ForwardRequest): Promise<RunReport>;
  runScenario(scenario: Scenario, options?: { seed?: number }): Promise<RunReport>;
}

const MAX_BURST = 10_000;

/**
 * Sends webhooks as the real senders do (their payloads, their signatures, through the
 * receiver's own provider modules, their retries), with chaos on the way. The HTTP app, the CLI
 * and the chaos suite all drive this one object.
 */
export function createSigningProxy(options: SigningProxyOptions): SigningProxy {
  const clock = options.clock ?? (() => new Date());
  const fetchImpl = options.fetch ?? fetch;
  const catalogues = new Map(
    (options.catalogues ?? CATALOGUES).map((catalogue) => [catalogue.provider, catalogue]),
  );
  const senders = new Map<string, Sender>();
  for (const catalogue of catalogues.values()) {
    const secrets = options.secrets?.[catalogue.provider] ?? [catalogue.secret.localDefault];
    senders.set(catalogue.provider, {
      catalogue,
      signer: catalogue.createProvider(secrets),
      wrongSigner: catalogue.createProvider([catalogue.wrongSecret]),
    });
  }

  const catalogueOf = (provider: string): ProviderCatalogue => {
    const catalogue = catalogues.get(provider);
    if (!catalogue) {
      throw new UnknownCatalogueEntryError(
        `No sender "${provider.slice(0, 32)}" in the catalogue. Use one of: ${[...catalogues.keys()].join(', ')}.`,
        { context: { provider: provider.slice(0, 32) } },
      );
    }
    return catalogue;
  };

  const run = async (
    seed: number,
    rng: Rng,
    events: readonly OutgoingEvent[],
    chaos: ChaosSpec,
  ): Promise<RunReport> => {
    const startedAt = clock();
    const started = performance.now();
    const plan = planDeliveries(events.length, chaos, rng.fork('chaos'));
    const deliveries = await deliverPlan(events, plan, chaos, {
      receiverUrl: options.receiverUrl,
      senders,
      clock,
      fetch: fetchImpl,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return report(
      seed,
      options.receiverUrl,
      startedAt,
      performance.now() - started,
      events,
      plan.events,
      deliveries,
    );
  };

  return {
    receiverUrl: options.receiverUrl,

    catalogue: () => ({
      receiver: options.receiverUrl,
      providers: [...catalogues.values()].map((c) => ({
        provider: c.provider,
        events: Object.entries(c.events).map(([type, entry]) => ({
          type,
          resourceType: entry.resourceType,
          description: entry.description,
        })),
        retrySchedule: c.retrySchedule,
      })),
    }),

    async send(request) {
      const catalogue = catalogueOf(request.provider);
      const entry = catalogue.events[request.eventType];
      if (!entry) {
        throw new UnknownCatalogueEntryError(
          `${catalogue.provider} has no event "${request.eventType.slice(0, 64)}" in the catalogue. ` +
            `Use one of: ${Object.keys(catalogue.events).join(', ')}.`,
          { context: { provider: catalogue.provider } },
        );
      }
      const count = request.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > MAX_BURST) {
        throw new InvalidProxyRequestError(`count must be an integer from 1 to ${MAX_BURST}.`);
      }
      const seed = request.seed ?? options.seed ?? newSeed();
      const rng = new Rng(seed);
      const ids = seededIds(rng.fork('ids'));
      const at = request.occurredAt ?? clock();
      let resourceId = request.resourceId;
      const events: OutgoingEvent[] = [];
      for (let i = 0; i < count; i++) {
        // A burst's events happened one second apart, the last one now.
        const event = entry.build({
          ids,
          occurredAt: new Date(at.getTime() - (count - 1 - i) * 1000),
          ...(resourceId === undefined ? {} : { resourceId }),
          ...(request.overrides ? { overrides: request.overrides } : {}),
        });
        resourceId ??= event.resource.slice(entry.resourceType.length + 1);
        events.push(outgoing(event));
      }
      return run(seed, rng, events, request.chaos ?? {});
    },

    async forward(request) {
      const catalogue = catalogueOf(request.provider);
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch {
        throw new InvalidProxyRequestError(
          'forward takes a JSON body: the payload to sign and send as is.',
        );
      }
      const seed = request.seed ?? options.seed ?? newSeed();
      const rng = new Rng(seed);
      const described = catalogue.describeBody(body);
      const eventType = request.eventType ?? described.eventType;
      if (!eventType) {
        throw new InvalidProxyRequestError(
          `This ${catalogue.provider} body does not say its event type: pass eventType.`,
        );
      }
      const event: OutgoingEvent = {
        provider: catalogue.provider,
        eventType,
        eventId:
          request.eventId ?? described.eventId ?? catalogue.newEventId(seededIds(rng.fork('ids'))),
        ...(described.occurredAt ? { occurredAt: described.occurredAt } : {}),
        rawBody: request.rawBody,
      };
      return run(seed, rng, [event], request.chaos ?? {});
    },

    async runScenario(scenario, runOptions = {}) {
      const seed = runOptions.seed ?? scenario.seed ?? options.seed ?? newSeed();
      const rng = new Rng(seed);
      const events = buildScenarioEvents(scenario, catalogues, rng.fork('events'), clock());
      return run(seed, rng, events.map(outgoing), scenario.chaos ?? {});
    },
  };
}

function outgoing(event: CatalogueEvent): OutgoingEvent {
  return {
    provider: event.provider,
    eventType: event.eventType,
    eventId: event.eventId,
    resource: event.resource,
    occurredAt: event.occurredAt,
    rawBody: JSON.stringify(event.body),
  };
}

/** A fresh seed when the caller gave none; reported, so the run can be reproduced. */
function newSeed(): number {
  return randomInt(1, 2 ** 31 - 1);
}

function report(
  seed: number,
  receiver: string,
  startedAt: Date,
  ms: number,
  events: readonly OutgoingEvent[],
  chaos: ReadonlyArray<{ copies: number; chaos: readonly string[] }>,
  deliveries: readonly DeliveryRecord[],
): RunReport {
  const acknowledged = new Set<string>();
  const byStatus: Record<string, number> = {};
  for (const d of deliveries) {
    byStatus[d.response.status] = (byStatus[d.response.status] ?? 0) + 1;
    if (d.response.status >= 200 && d.response.status < 300) {
      acknowledged.add(`${d.provider}\u0000${d.eventId}`);
    }
  }
  const eventRecords: EventRecord[] = events.map((event, index) => ({
    index,
    provider: event.provider,
    eventType: event.eventType,
    eventId: event.eventId,
    ...(event.resource ? { resource: event.resource } : {}),
    ...(event.occurredAt ? { occurredAt: event.occurredAt.toISOString() } : {}),
    copies: chaos[index]!.copies,
    chaos: chaos[index]!.chaos,
    acknowledged: acknowledged.has(`${event.provider}\u0000${event.eventId}`),
  }));
  return {
    seed,
    receiver,
    startedAt: startedAt.toISOString(),
    ms: Math.round(ms),
    events: eventRecords,
    deliveries,
    summary: {
      events: events.length,
      deliveries: deliveries.length,
      retries: deliveries.filter((d) => d.attempt > 1).length,
      byStatus,
      unacknowledged: eventRecords.filter((e) => !e.acknowledged).length,
    },
  };
}
