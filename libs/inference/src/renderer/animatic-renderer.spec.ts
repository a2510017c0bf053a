import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAMERA_MOVES, type PlannedScene } from '@reelcraft/shared';
import { AnimaticRenderer, SUBTITLE_SAFE_AREA } from './animatic-renderer';
import { cameraViewAt, type CameraPathInput } from './camera-path';
import { createCanvas } from './canvas';
import { CJK_FONT_CANDIDATES, findCjkFontPath } from './fonts';
import { renderLabel, wrapText } from './label';
import { rgbaToRgb } from './rgb';
import type { RenderOptions } from './scene-renderer';
import { deriveSceneStyle } from './scene-style';

const renderer = new AnimaticRenderer();
const small = { width: 160, height: 90, fps: 12 };

function scene(overrides: Partial<PlannedScene> = {}): PlannedScene {
  return {
    scene_number: 2,
    description: '远景：森林探险中的河流，视野开阔，层次分明',
    subtitle: '眼前是河流。',
    camera: { shot: 'wide', move: 'pan-right' },
    duration_sec: 2,
    ...overrides,
  };
}

async function collect(s: PlannedScene, options: RenderOptions = small): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  for await (const frame of renderer.renderFrames(s, options)) frames.push(frame);
  return frames;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Mean absolute difference per byte: how much two frames differ. */
function difference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('AnimaticRenderer', () => {
  it('yields exactly duration*fps rgb24 frames of width*height*3 bytes', async () => {
    const s = scene({ duration_sec: 3 });
    expect(renderer.frameCount(s, small)).toBe(36);
    const frames = await collect(s);
    expect(frames).toHaveLength(36);
    for (const f of frames) expect(f.length).toBe(160 * 90 * 3);
  });

  it('is deterministic: the same scene gives identical frames', async () => {
    const a = (await collect(scene())).map(sha);
    const b = (await collect(scene())).map(sha);
    expect(a).toEqual(b);
  });

  it('draws a different picture for a different description or seed', async () => {
    const forest = await collect(scene());
    const city = await collect(scene({ description: '城市夜景：霓虹灯下的街道，雨夜' }));
    const seeded = await collect(scene(), { ...small, seed: 7 });
    expect(sha(forest[0]!)).not.toBe(sha(city[0]!));
    expect(difference(forest[0]!, city[0]!)).toBeGreaterThan(10);
    expect(sha(forest[0]!)).not.toBe(sha(seeded[0]!));
  });

  it('moves: consecutive frames differ for every camera move', async () => {
    // Skip the playhead bar along the top edge: it changes every frame by design, and the
    // picture itself must move too.
    const picture = (f: Buffer) => f.subarray(small.width * 3 * 4);
    for (const move of CAMERA_MOVES) {
      const frames = (await collect(scene({ camera: { shot: 'medium', move }, duration_sec: 1 }))).map(picture);
      for (let i = 1; i < frames.length; i++) {
        expect(sha(frames[i]!), `${move} frame ${i}`).not.toBe(sha(frames[i - 1]!));
      }
      // Over a scene the picture changes substantially, not by a pixel or two.
      expect(difference(frames[0]!, frames[frames.length - 1]!), move).toBeGreaterThan(1);
    }
  });

  it('renders the 640x360 frame size used by the server', async () => {
    const frames = await collect(scene({ duration_sec: 1 }), { width: 640, height: 360, fps: 24 });
    expect(frames).toHaveLength(24);
    expect(frames[0]!.length).toBe(640 * 360 * 3);
  });

  it('stops with an AbortError when the signal fires', async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = async () => {
      for await (const _ of renderer.renderFrames(scene(), { ...small, signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBe(3);
  });

  it('rejects invalid options', () => {
    expect(() => renderer.frameCount(scene(), { ...small, fps: 0 })).toThrow(/fps/);
    expect(() => renderer.frameCount(scene(), { ...small, width: 10.5 })).toThrow(/width/);
  });
});

describe('camera path', () => {
  const base: Omit<CameraPathInput, 'camera'> = {
    frameWidth: 640,
    frameHeight: 360,
    backdropWidth: 896,
    backdropHeight: 504,
    focusX: 500,
    focusY: 280,
  };

  it('zoom-in scales up over time and zoom-out scales down', () => {
    const zoomIn = [0, 0.25, 0.5, 0.75, 1].map((p) => cameraViewAt({ ...base, camera: { shot: 'wide', move: 'zoom-in' } }, p, p * 4).scale);
    for (let i = 1; i < zoomIn.length; i++) expect(zoomIn[i]!).toBeGreaterThan(zoomIn[i - 1]!);
    expect(zoomIn[4]! / zoomIn[0]!).toBeGreaterThan(1.3);
    const zoomOut = [0, 1].map((p) => cameraViewAt({ ...base, camera: { shot: 'wide', move: 'zoom-out' } }, p, p * 4).scale);
    expect(zoomOut[1]!).toBeLessThan(zoomOut[0]!);
  });

  it('pans and tilts in the named direction, within the backdrop', () => {
    const at = (move: PlannedScene['camera']['move'], p: number) => cameraViewAt({ ...base, camera: { shot: 'wide', move } }, p, p * 4);
    expect(at('pan-right', 1).cx).toBeGreaterThan(at('pan-right', 0).cx + 100);
    expect(at('pan-left', 1).cx).toBeLessThan(at('pan-left', 0).cx - 100);
    expect(at('tilt-up', 1).cy).toBeLessThan(at('tilt-up', 0).cy - 50);
    expect(at('tilt-down', 1).cy).toBeGreaterThan(at('tilt-down', 0).cy + 50);
    for (const move of CAMERA_MOVES) {
      for (const p of [0, 0.5, 1]) {
        const v = at(move, p);
        expect(v.cx - 320 / v.scale).toBeGreaterThanOrEqual(-1e-9);
        expect(v.cx + 320 / v.scale).toBeLessThanOrEqual(896 + 1e-9);
        expect(v.cy - 180 / v.scale).toBeGreaterThanOrEqual(-1e-9);
        expect(v.cy + 180 / v.scale).toBeLessThanOrEqual(504 + 1e-9);
      }
    }
  });

  it('lets a static shot drift gently', () => {
    const a = cameraViewAt({ ...base, camera: { shot: 'medium', move: 'static' } }, 0, 0);
    const b = cameraViewAt({ ...base, camera: { shot: 'medium', move: 'static' } }, 0.5, 2);
    expect(Math.abs(a.cx - b.cx) + Math.abs(a.scale - b.scale)).toBeGreaterThan(0);
    expect(Math.abs(a.cx - b.cx)).toBeLessThan(60);
  });
});

describe('scene style', () => {
  it('picks scenery from Chinese and English keywords', () => {
    expect(deriveSceneStyle('森林中的河流与小动物').features).toMatchObject({ forest: true, river: true, animals: true });
    expect(deriveSceneStyle('A city skyline at night').features).toMatchObject({ city: true });
    expect(deriveSceneStyle('A city skyline at night').time).toBe('night');
    expect(deriveSceneStyle('夕阳下的大海').time).toBe('dusk');
    expect(deriveSceneStyle('夕阳下的大海').features.sea).toBe(true);
    // English needs word boundaries: "streets" is not "trees".
    expect(deriveSceneStyle('Busy streets').features.forest).toBe(false);
  });

  it('keeps unknown-subject scenes of one video in one place through the theme', () => {
    const descriptions = ['开场远景：量子计算的原理', '特写：量子计算的原理的细节', '中景：镜头穿行在量子计算的原理之中'];
    const themed = descriptions.map((d) => deriveSceneStyle(d, 0, '量子计算的原理').features);
    for (const f of themed) expect(f).toEqual(themed[0]);
  });

  it('draws a lighthouse by the sea when one is named', () => {
    expect(deriveSceneStyle('A lighthouse at dusk').features).toMatchObject({ lighthouse: true, sea: true });
    expect(deriveSceneStyle('雪山下的小村庄').features).toMatchObject({ houses: true, mountains: true, snow: true });
  });

  it('still chooses some scenery for an unknown subject, by hash', () => {
    const f = deriveSceneStyle('量子计算的原理').features;
    expect(Object.values(f).some(Boolean)).toBe(true);
    expect(deriveSceneStyle('量子计算的原理')).toEqual(deriveSceneStyle('量子计算的原理'));
  });
});

describe('label', () => {
  it('finds the CJK font installed here', () => {
    const path = findCjkFontPath();
    if (CJK_FONT_CANDIDATES.some((c) => existsSync(c.path))) expect(path).not.toBeNull();
    if (existsSync('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc')) expect(path).toBe('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc');
    expect(findCjkFontPath([{ path: '/nonexistent/font.ttc', family: 'None' }])).toBe(process.env.REELCRAFT_CJK_FONT ?? null);
  });

  it('stays clear of the subtitle area at the bottom of the frame', () => {
    const long = scene({ description: '很长的描述'.repeat(100) });
    for (const [w, h] of [
      [640, 360],
      [1280, 720],
    ] as const) {
      const label = renderLabel(long, w, h);
      expect(label.y + label.canvas.height).toBeLessThan(h * (1 - SUBTITLE_SAFE_AREA));
      expect(label.x + label.canvas.width).toBeLessThan(w);
    }
  });

  it('wraps CJK by character and English by word, with an ellipsis when cut', () => {
    const ctx = createCanvas(8, 8).getContext('2d');
    ctx.font = '14px sans-serif';
    const zh = wrapText(ctx, '森林探险中的河流，视野开阔，层次分明，光影柔和，色彩饱满，氛围宁静，充满生机', 100, 2);
    expect(zh).toHaveLength(2);
    expect(zh[1]!.endsWith('…')).toBe(true);
    for (const line of zh) expect(ctx.measureText(line).width).toBeLessThanOrEqual(100);
    const en = wrapText(ctx, 'Wide shot of a river within the forest adventure', 120, 5);
    expect(en.join(' ')).toBe('Wide shot of a river within the forest adventure');
    for (const line of en) expect(line).not.toMatch(/^\s|\s$/);
  });
});

describe('rgbaToRgb', () => {
  it('drops alpha for aligned and unaligned input', () => {
    const rgba = Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]);
    expect(Array.from(rgbaToRgb(rgba))).toEqual([1, 2, 3, 4, 5, 6]);
    const shifted = new Uint8Array(9);
    shifted.set(rgba, 1);
    expect(Array.from(rgbaToRgb(shifted.subarray(1)))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
