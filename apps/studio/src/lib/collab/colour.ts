/**
 * A stable colour per person, so everyone sees the same person in the same colour on every
 * screen without agreeing on anything: derived from the username alone.
 */

/** Calm, readable on white, distinguishable from one another and from the studio's teal accent. */
export const PRESENCE_COLOURS = [
  '#c2410c', // burnt orange
  '#7c3aed', // violet
  '#0369a1', // ocean blue
  '#be185d', // raspberry
  '#4d7c0f', // olive green
  '#b45309', // amber
  '#0f766e', // teal
  '#9333ea', // purple
  '#1d4ed8', // royal blue
  '#a16207', // ochre
  '#15803d', // green
  '#b91c1c', // brick red
] as const;

/** FNV-1a over the UTF-16 code units: small, fast and spreads short names well. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
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
