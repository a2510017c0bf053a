/**
 * Small, dependency-free hashing and seeded randomness. Plans and frames must be reproducible
 * from their inputs alone (the render cache keys on those inputs), so nothing here may read the
 * clock or Math.random.
 */

/** 32-bit FNV-1a over the UTF-16 code units of a string: fast, stable, good enough spread for picking. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche so that strings differing only in their last character still differ in the high bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mulberry32: a tiny seeded PRNG with a full 2^32 period; returns floats in [0, 1). */
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
