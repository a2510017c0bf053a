import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CJK_FONT_CANDIDATES, DEFAULT_CJK_FAMILY, findCjkFont, type CjkFont, type CjkFontCandidate } from '../renderer/fonts';

/**
 * The CJK font for subtitles. The list of places and REELCRAFT_CJK_FONT / REELCRAFT_CJK_FONT_FAMILY
 * are read by findCjkFont (renderer/fonts.ts), the same search the animatic's labels use, so burnt-in
 * subtitles and labels look alike; burnt-in subtitles need its folder (`fontsdir` of the `subtitles`
 * filter) and its family (the ASS style's Fontname).
 */
export { CJK_FONT_CANDIDATES, DEFAULT_CJK_FAMILY, findCjkFont, type CjkFont, type CjkFontCandidate };

/** The `fontsdir` for burnt-in subtitles, or null when no CJK font is installed. */
export function findCjkFontsDir(candidates?: readonly CjkFontCandidate[]): string | null {
  return findCjkFont(candidates)?.dir ?? null;
}

/**
 * The family to put in the ASS style for a fonts folder (for callers that pass only `fontsDir`):
 * the font findCjkFont picks when it lies there (REELCRAFT_CJK_FONT included), else the first
 * known font in that folder, else the default family.
 */
export function familyForFontsDir(dir: string, candidates: readonly CjkFontCandidate[] = CJK_FONT_CANDIDATES): string {
  const found = findCjkFont(candidates);
  if (found?.dir === dir) return found.family;
  return candidates.find((c) => dirname(c.path) === dir && existsSync(c.path))?.family ?? DEFAULT_CJK_FAMILY;
}
