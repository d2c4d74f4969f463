import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CapacityInputs, usagePerWebhook } from '../../../tools/capacity/capacity-model.js';
import {
  alternatives,
  cheapestDesign,
  writeUnitsPerWebhook,
} from '../../../tools/capacity/cost-alternatives.js';

const inputs = JSON.parse(
  readFileSync(new URL('../../../docs/capacity-inputs.json', import.meta.url), 'utf8'),
) as CapacityInputs;
const happyPath: CapacityInputs = {
  ...inputs,
  assumptions: { ...inputs.assumptions, failureRate: 0 },
};
const wruPrice = inputs.prices.dynamodbWriteRequestUnitsPerMillion.value;

describe('write units per webhook', () => {
  it('adds up, write by write, to what the cost model charges on the happy path', () => {
    const total = writeUnitsPerWebhook(happyPath.assumptions).reduce((s, l) => s + l.units, 0);
    expect(total).toBe(usagePerWebhook(happyPath.assumptions).writeUnits);
  });

  it('bills the capture transaction double: 3 KB and 700 B items are 6 and 2 units', () => {
    const lines = writeUnitsPerWebhook({
      ...inputs.assumptions,
      webhookItemBytes: 3000,
      statusItemBytes: 700,
    });
    expect(lines.slice(0, 2).map((l) => l.units)).toEqual([6, 2]);
  });
});

describe('what each change costs', () => {
  const byChange = (text: string) => alternatives(inputs).find((a) => a.change.includes(text))!;

  it('saves half the capture units without the transaction, and prices them', () => {
    const twoPuts = byChange('two conditional puts');
    expect(twoPuts.writeUnitsPerWebhook).toBe(-4);
    expect(twoPuts.usdPerMillion).toBeCloseTo(-4 * wruPrice, 6);
    expect(twoPuts.keepsGuarantees).toBe(true);
  });

  it('marks the changes that give up a guarantee, and leaves them out of the cheapest design', () => {
    const weakening = alternatives(inputs).filter((a) => !a.keepsGuarantees);
    expect(weakening.map((a) => a.change).join(' ')).toMatch(/claim/);
    const cheapest = cheapestDesign(inputs);
    for (const a of weakening) expect(cheapest.changes).not.toContain(a.change);
    expect(cheapest.usdPerMillion).toBeLessThan(cheapest.baseUsdPerMillion);
  });

  it('finds a payload in S3 dearer than inline at the assumed size', () => {
    expect(byChange('S3').usdPerMillion).toBeGreaterThan(0);
  });
});
