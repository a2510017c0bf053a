import { CJK_FONT_CANDIDATES, DEFAULT_CJK_FAMILY, findCjkFont as findInstalledCjkFont, type CjkFontCandidate } from '@reelcraft/inference';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

export { CJK_FONT_CANDIDATES, DEFAULT_CJK_FAMILY, type CjkFontCandidate };

/** What burnt-in subtitles need of a font: the folder for `fontsdir` and the family for the ASS style. */
export interface CjkFont {
  dir: string;
  family: string;
}

/**
 * The installed font that covers Chinese (libs/inference keeps the list, so subtitles and the
 * animatic's labels use the same one). Synchronous on purpose: it runs once at setup, and a
 * missing font must fail setup with a clear message rather than render boxes into every video.
 */
export function findCjkFont(candidates?: readonly CjkFontCandidate[]): CjkFont | null {
  const found = findInstalledCjkFont(candidates);
  return found ? { dir: found.dir, family: found.family } : null;
}

/** The `fontsdir` for burnt-in subtitles, or null when no CJK font is installed. */
export function findCjkFontsDir(candidates?: readonly CjkFontCandidate[]): string | null {
  return findCjkFont(candidates)?.dir ?? null;
}

/** The family to put in the ASS style for a given fonts folder (for callers that pass only `fontsDir`). */
export function familyForFontsDir(dir: string): string {
  return CJK_FONT_CANDIDATES.find((c) => dirname(c.path) === dir && existsSync(c.path))?.family ?? DEFAULT_CJK_FAMILY;
}
