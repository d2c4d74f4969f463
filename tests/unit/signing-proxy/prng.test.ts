import { describe, expect, it } from 'vitest';
import { seededIds } from '../../../tools/signing-proxy/ids.js';
import { Rng } from '../../../tools/signing-proxy/prng.js';

const draw = (rng: Rng, n = 5) => Array.from({ length: n }, () => rng.next());

describe('Rng (mulberry32)', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    expect(draw(new Rng(42))).toEqual(draw(new Rng(42)));
    expect(draw(new Rng(42))).not.toEqual(draw(new Rng(43)));
  });

  it('is the published mulberry32 (pinned values, so a change of algorithm is noticed)', () => {
    const reference = (seed: number) => {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    const ref = reference(7);
    expect(draw(new Rng(7), 20)).toEqual(Array.from({ length: 20 }, ref));
    expect(new Rng(1).next()).toBe(0.6270739405881613);
  });

  it('stays in range: next in [0, 1), int within its bounds, chance(0) never, chance(1) always', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 2000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = rng.int(-3, 3);
      expect(n).toBeGreaterThanOrEqual(-3);
      expect(n).toBeLessThanOrEqual(3);
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
  });

  it('shuffles into a permutation, reproducibly, without touching the input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = new Rng(9).shuffle(items);
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(new Rng(9).shuffle(items)).toEqual(a);
    expect(items[0]).toBe(0);
  });

  it('forks independent streams: same seed and label agree, other labels differ', () => {
    const root = new Rng(5);
    expect(draw(root.fork('ids'))).toEqual(draw(new Rng(5).fork('ids')));
    expect(draw(root.fork('ids'))).not.toEqual(draw(root.fork('chaos')));
    // Forking does not advance the parent.
    const parent = new Rng(5);
    parent.fork('x');
    expect(parent.next()).toBe(new Rng(5).next());
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => new Rng(1.5)).toThrow(/integer/);
  });
});

describe('seededIds', () => {
  it('makes the same ids for the same seed', () => {
    const make = () => {
      const ids = seededIds(new Rng(3));
      return [ids.token(24), ids.int(1, 1000), ids.uuid()];
    };
    expect(make()).toEqual(make());
    expect(make()[2]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
