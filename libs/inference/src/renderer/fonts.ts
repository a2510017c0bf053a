import { existsSync } from 'node:fs';
import { GlobalFonts } from './canvas';

/**
 * Where a CJK-capable font usually lives. The Docker image installs fonts-wqy-microhei (the same
 * font the server burns subtitles with), so labels and subtitles look alike; the others are
 * common on Debian/Fedora/macOS/Windows hosts used for development.
 */
export const CJK_FONT_CANDIDATES: readonly string[] = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/System/Library/Fonts/PingFang.ttc',
  'C:\\Windows\\Fonts\\msyh.ttc',
];

const LABEL_FAMILY = 'Reelcraft CJK';

/** The first CJK font that exists; REELCRAFT_CJK_FONT overrides the list. Null when none is installed. */
export function findCjkFontPath(candidates: readonly string[] = CJK_FONT_CANDIDATES): string | null {
  const override = process.env.REELCRAFT_CJK_FONT;
  for (const path of override ? [override, ...candidates] : candidates) {
    if (path && existsSync(path)) return path;
  }
  return null;
}

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
