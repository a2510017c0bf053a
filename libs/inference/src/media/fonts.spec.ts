import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { familyForFontsDir, findCjkFont, findCjkFontsDir, type CjkFontCandidate } from './fonts';

describe('findCjkFont', () => {
  let root: string;
  let candidates: CjkFontCandidate[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'reelcraft-fonts-'));
    await mkdir(join(root, 'wqy'));
    await mkdir(join(root, 'noto'));
    await writeFile(join(root, 'noto', 'NotoSansCJK-Regular.ttc'), '');
    candidates = [
      { path: join(root, 'wqy', 'wqy-microhei.ttc'), family: 'WenQuanYi Micro Hei' },
      { path: join(root, 'noto', 'NotoSansCJK-Regular.ttc'), family: 'Noto Sans CJK SC' },
      { path: join(root, 'missing', 'x.ttc'), family: 'X' },
    ];
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('skips a folder that exists but lacks the font file, and takes the next candidate', () => {
    expect(findCjkFont(candidates)).toEqual({ path: join(root, 'noto', 'NotoSansCJK-Regular.ttc'), dir: join(root, 'noto'), family: 'Noto Sans CJK SC' });
    expect(findCjkFontsDir(candidates)).toBe(join(root, 'noto'));
  });

  it('returns null when no candidate has a font', () => {
    expect(findCjkFontsDir([candidates[0]!, candidates[2]!])).toBeNull();
  });

  it('finds WenQuanYi Micro Hei on this machine', () => {
    // fonts-wqy-microhei is part of the server's runtime requirements.
    expect(existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc')).toBe(true);
    expect(findCjkFont()).toEqual({ path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', dir: '/usr/share/fonts/truetype/wqy', family: 'WenQuanYi Micro Hei' });
    expect(familyForFontsDir('/usr/share/fonts/truetype/wqy')).toBe('WenQuanYi Micro Hei');
  });

  describe('REELCRAFT_CJK_FONT', () => {
    afterEach(() => vi.unstubAllEnvs());

    it('comes before the usual places, with its family from REELCRAFT_CJK_FONT_FAMILY', () => {
      const file = join(root, 'noto', 'NotoSansCJK-Regular.ttc');
      vi.stubEnv('REELCRAFT_CJK_FONT', file);
      vi.stubEnv('REELCRAFT_CJK_FONT_FAMILY', 'My Sans');
      expect(findCjkFont()).toEqual({ path: file, dir: join(root, 'noto'), family: 'My Sans' });
      expect(findCjkFontsDir()).toBe(join(root, 'noto'));
      expect(familyForFontsDir(join(root, 'noto'))).toBe('My Sans');
      // Another folder still gets its own font's family, not the override's.
      expect(familyForFontsDir('/usr/share/fonts/truetype/wqy')).toBe('WenQuanYi Micro Hei');
    });

    it('names the family after the file when REELCRAFT_CJK_FONT_FAMILY is unset', () => {
      vi.stubEnv('REELCRAFT_CJK_FONT', join(root, 'noto', 'NotoSansCJK-Regular.ttc'));
      vi.stubEnv('REELCRAFT_CJK_FONT_FAMILY', '');
      expect(findCjkFont()?.family).toBe('NotoSansCJK-Regular');
    });
  });
});
