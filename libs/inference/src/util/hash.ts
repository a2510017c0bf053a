/**
 * Small, dependency-free hashing and seeded randomness. Plans and frames must be reproducible
 * from their inputs alone (the render cache keys on those inputs), so nothing here may read the
 * clock or Math.random.
 */

export { hashString } from '@reelcraft/shared';

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic choice from a non-empty list. */
export function pick<T>(items: readonly T[], n: number): T {
  return items[Math.abs(Math.trunc(n)) % items.length] as T;
}
