import { hashString, seededRandom } from '@reelcraft/shared';

/**
 * The fault suite's dice: a seeded generator, so a failing run can be replayed. FAULT_SEED picks
 * the seed (printed either way); each spec draws from its own stream, derived from the seed and
 * its label, so adding rounds to one spec does not move another's moments.
 */
export interface FaultDice {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/** The run's seed: FAULT_SEED when set (a replay), else a fresh one. */
export function faultSeed(): number {
  const raw = process.env.FAULT_SEED?.trim();
  if (raw) {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`FAULT_SEED must be an integer in 0..4294967295, not ${JSON.stringify(raw)}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000);
}

export function faultDice(label: string, seed = faultSeed()): FaultDice {
  const next = seededRandom(seed ^ hashString(label));
  console.log(`[faults] ${label}: seed ${seed} (replay with FAULT_SEED=${seed})`);
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
