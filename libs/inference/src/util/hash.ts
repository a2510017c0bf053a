/**
 * Small, dependency-free hashing and seeded randomness. Plans and frames must be reproducible
 * from their inputs alone (the render cache keys on those inputs), so nothing here may read the
 * clock or Math.random.
 */

export { hashString, seededRandom } from '@reelcraft/shared';

/** Deterministic choice from a non-empty list. */
export function pick<T>(items: readonly T[], n: number): T {
  return items[Math.abs(Math.trunc(n)) % items.length] as T;
}
