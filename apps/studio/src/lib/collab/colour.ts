/**
 * A stable colour per person, so everyone sees the same person in the same colour on every
 * screen without agreeing on anything: derived from the username alone.
 */

/** Calm, readable on white, distinguishable from one another and from the studio's teal accent. */
export const PRESENCE_COLOURS = [
  '#c2410c', // burnt orange
  '#7c3aed', // violet
  '#1d4ed8', // royal blue
  '#be185d', // raspberry
  '#4d7c0f', // olive green
  '#0e7490', // cyan
  '#a16207', // ochre
  '#9f1239', // wine
  '#15803d', // green
  '#6d28d9', // indigo
  '#b45309', // amber
] as const;

/** FNV-1a over the UTF-16 code units, then mixed: small, fast and spreads short names well. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (MurmurHash3's fmix32), so that names differing in one letter land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The colour of a user; case and surrounding spaces do not matter. */
export function colourFor(username: string): string {
  const key = username.trim().toLowerCase();
  return PRESENCE_COLOURS[hashString(key) % PRESENCE_COLOURS.length];
}

/** One or two letters for an avatar: the first letter, or the first CJK character. */
export function initialsOf(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '?';
  return chars[0].toUpperCase();
}
