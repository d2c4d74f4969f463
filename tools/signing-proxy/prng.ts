/**
 * A small seeded pseudo-random generator (mulberry32): every chaos decision and every generated
 * id comes from one, so a run is reproduced exactly by its seed. Not for anything secret.
 */
export class Rng {
  #state: number;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`A seed must be an integer, got ${String(seed)}.`);
    }
    this.seed = seed;
    this.#state = seed >>> 0;
  }

  /** The next float in [0, 1). mulberry32, by Tommy Ettinger (public domain). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min.`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list.');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /**
   * An independent generator for one purpose (`ids`, `chaos`), derived from this seed and the
   * label: changing the chaos options does not change the ids, and the other way round.
   */
  fork(label: string): Rng {
    return new Rng(mixSeed(this.seed, label));
  }
}

/** FNV-1a over the seed and the label, folded to 32 bits. */
function mixSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${label}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
