import { existsSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { GlobalFonts } from './canvas';

/**
 * The one place that knows where a font covering Chinese lives: the animatic draws its labels with
 * it and the server burns subtitles with it (libass finds it by folder and family name), so the
 * two look alike.
 */
export interface CjkFontCandidate {
  path: string;
  /** The family name inside the file: what an ASS style must name for libass to pick this font. */
  family: string;
}

export interface CjkFont extends CjkFontCandidate {
  /** The font's folder, handed to ffmpeg's `subtitles` filter as `fontsdir`. */
  dir: string;
}

/**
 * In order of preference. The Docker image and the install script add fonts-wqy-microhei; the
 * others are common on Debian/Fedora/macOS/Windows hosts used for development.
 */
export const CJK_FONT_CANDIDATES: readonly CjkFontCandidate[] = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYi Micro Hei' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYi Zen Hei' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC' },
  { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC' },
  { path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC' },
  { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf', family: 'Droid Sans Fallback' },
  { path: '/System/Library/Fonts/PingFang.ttc', family: 'PingFang SC' },
  { path: 'C:\\Windows\\Fonts\\msyh.ttc', family: 'Microsoft YaHei' },
];

export const DEFAULT_CJK_FAMILY = CJK_FONT_CANDIDATES[0]!.family;

/**
 * The first CJK font that exists, or null when none is installed. REELCRAFT_CJK_FONT (a file)
 * comes first, with its family from REELCRAFT_CJK_FONT_FAMILY or else its file name.
 */
export function findCjkFont(candidates: readonly CjkFontCandidate[] = CJK_FONT_CANDIDATES): CjkFont | null {
  const override = process.env.REELCRAFT_CJK_FONT;
  const list = override ? [{ path: override, family: process.env.REELCRAFT_CJK_FONT_FAMILY || basename(override, extname(override)) }, ...candidates] : candidates;
  const found = list.find((c) => c.path && existsSync(c.path));
  return found ? { ...found, dir: dirname(found.path) } : null;
}

/** Just the file of findCjkFont(). */
export function findCjkFontPath(candidates: readonly CjkFontCandidate[] = CJK_FONT_CANDIDATES): string | null {
  return findCjkFont(candidates)?.path ?? null;
}

const LABEL_FAMILY = 'Reelcraft CJK';
let labelFontFamily: string | undefined;

/**
 * Registers the CJK font once per process and returns the CSS font-family list to draw labels
 * with. Without a CJK font Chinese labels would show as boxes, so we fall back to whatever
 * families @napi-rs/canvas found on the system rather than failing the render.
 */
export function labelFontFamilies(): string {
  if (labelFontFamily !== undefined) return labelFontFamily;
  const path = findCjkFontPath();
  const registered = path !== null && GlobalFonts.registerFromPath(path, LABEL_FAMILY) !== null;
  labelFontFamily = registered ? `"${LABEL_FAMILY}", sans-serif` : 'sans-serif';
  return labelFontFamily;
}
