import { readdirSync } from 'node:fs';

export interface CjkFont {
  /** Folder handed to the `subtitles` filter as `fontsdir`. */
  dir: string;
  /** Family name the ASS style must use so libass picks this font and not a fontconfig fallback. */
  family: string;
}

export interface CjkFontCandidate extends CjkFont {
  /** A file that proves the family is really there: the folder alone may hold only Latin fonts. */
  file: RegExp;
}

/** In order of preference; Debian packages fonts-wqy-microhei, fonts-wqy-zenhei and fonts-noto-cjk. */
export const CJK_FONT_CANDIDATES: readonly CjkFontCandidate[] = [
  { dir: '/usr/share/fonts/truetype/wqy', family: 'WenQuanYi Micro Hei', file: /^wqy-microhei\.tt[cf]$/i },
  { dir: '/usr/share/fonts/truetype/wqy', family: 'WenQuanYi Zen Hei', file: /^wqy-zenhei\.tt[cf]$/i },
  { dir: '/usr/share/fonts/opentype/noto', family: 'Noto Sans CJK SC', file: /^NotoSansCJK.*\.(ttc|otf)$/i },
];

export const DEFAULT_CJK_FAMILY = CJK_FONT_CANDIDATES[0].family;

/**
 * Finds an installed font that covers Chinese. Synchronous on purpose: it runs once at setup, and
 * a missing font must fail setup with a clear message rather than render boxes into every video.
 */
export function findCjkFont(candidates: readonly CjkFontCandidate[] = CJK_FONT_CANDIDATES): CjkFont | null {
  for (const c of candidates) {
    let names: string[];
    try {
      names = readdirSync(c.dir);
    } catch {
      continue;
    }
    if (names.some((n) => c.file.test(n))) return { dir: c.dir, family: c.family };
  }
  return null;
}

/** The `fontsdir` for burnt-in subtitles, or null when no CJK font is installed. */
export function findCjkFontsDir(candidates: readonly CjkFontCandidate[] = CJK_FONT_CANDIDATES): string | null {
  return findCjkFont(candidates)?.dir ?? null;
}

/** The family to put in the ASS style for a given fonts folder (for callers that pass only `fontsDir`). */
export function familyForFontsDir(dir: string): string {
  return findCjkFont(CJK_FONT_CANDIDATES.filter((c) => c.dir === dir))?.family ?? DEFAULT_CJK_FAMILY;
}
