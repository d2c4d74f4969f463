import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUES } from '../../../tools/signing-proxy/catalogue/catalogues.js';
import {
  buildScenarioEvents,
  parseScenario,
  parseScenarioText,
} from '../../../tools/signing-proxy/chaos/scenario.js';
import { Rng } from '../../../tools/signing-proxy/prng.js';

const catalogues = new Map(CATALOGUES.map((c) => [c.provider, c]));
const NOW = new Date('2026-03-01T10:00:00.000Z');

describe('scenarios', () => {
  it('reads the example scenario file', () => {
    const scenario = parseScenarioText(
      readFileSync(new URL('../../../scenarios/chaos-orders.yaml', import.meta.url), 'utf8'),
    );
    const events = buildScenarioEvents(scenario, catalogues, new Rng(1), NOW);
    expect(events.length).toBeGreaterThan(10);
    expect(scenario.chaos?.duplicates).toBeDefined();
  });

  it('reads JSON and YAML alike', () => {
    const yaml =
      'generate:\n  - { provider: stripe, resources: 1, eventsPerResource: 2, types: [payment_intent.created, payment_intent.succeeded] }\n';
    const json = JSON.stringify({
      generate: [
        {
          provider: 'stripe',
          resources: 1,
          eventsPerResource: 2,
          types: ['payment_intent.created', 'payment_intent.succeeded'],
        },
      ],
    });
    expect(parseScenarioText(yaml)).toEqual(parseScenarioText(json));
  });

  it('generates each resource’s history in provider time, reproducibly', () => {
    const scenario = parseScenario({
      startAt: '2026-01-01T00:00:00Z',
      generate: [
        {
          provider: 'bigcommerce',
          resources: 3,
          eventsPerResource: 5,
          types: ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'],
          ties: 0.3,
        },
      ],
    });
    const events = buildScenarioEvents(scenario, catalogues, new Rng(4), NOW);
    expect(buildScenarioEvents(scenario, catalogues, new Rng(4), NOW)).toEqual(events);
    expect(events).toHaveLength(15);
    expect(new Set(events.map((e) => e.resource)).size).toBe(3);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.occurredAt.getTime()).toBeGreaterThanOrEqual(
        events[i - 1]!.occurredAt.getTime(),
      );
    }
    for (const resource of new Set(events.map((e) => e.resource))) {
      const history = events.filter((e) => e.resource === resource);
      expect(history[0]!.eventType).toBe('store/order/created');
      expect(history.slice(1).every((e) => e.eventType !== 'store/order/created')).toBe(true);
    }
  });

  it('says what is wrong with a bad scenario', () => {
    expect(() => parseScenario({})).toThrow(/no events/);
    expect(() => parseScenario({ generat: [] })).toThrow(/unknown key "generat"/);
    expect(() =>
      buildScenarioEvents(
        parseScenario({ events: [{ provider: 'stripe', type: 'nope' }] }),
        catalogues,
        new Rng(1),
        NOW,
      ),
    ).toThrow(/stripe has no event "nope"/);
    expect(() =>
      buildScenarioEvents(
        parseScenario({
          generate: [
            {
              provider: 'stripe',
              resources: 1,
              eventsPerResource: 2,
              types: ['payment_intent.created', 'customer.updated'],
            },
          ],
        }),
        catalogues,
        new Rng(1),
        NOW,
      ),
    ).toThrow(/one kind of resource/);
    expect(() => parseScenarioText('a: [')).toThrow(/neither JSON nor YAML/);
  });
});
