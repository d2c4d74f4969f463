import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Rng } from './prng.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

/**
 * Where event factories get their ids from: `seededIds` for a reproducible run, `randomIds`
 * (the default) for tests that only need ids that never collide.
 */
export interface IdSource {
  /** `length` characters from `alphabet` (base62 by default). */
  token(length: number, alphabet?: string): string;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** A random-looking UUID v4. */
  uuid(): string;
}

export const randomIds: IdSource = {
  token(length, alphabet = BASE62) {
    let out = '';
    for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
    return out;
  },
  int: (min, max) => randomInt(min, max + 1),
  uuid: () => randomUUID(),
};

export function seededIds(rng: Rng): IdSource {
  const token = (length: number, alphabet = BASE62) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[rng.int(0, alphabet.length - 1)];
    return out;
  };
  return {
    token,
    int: (min, max) => rng.int(min, max),
    uuid: () => {
      const hex = token(32, HEX);
      const variant = HEX[8 + rng.int(0, 3)];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
    },
  };
}

/** Stripe-style object id: a prefix and 24 base62 characters (`evt_…`, `pi_…`). */
export function stripeStyleId(ids: IdSource, prefix: string): string {
  return `${prefix}_${ids.token(24)}`;
}
