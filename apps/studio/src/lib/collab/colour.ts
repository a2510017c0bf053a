import { hashString } from '@reelcraft/shared';

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
