import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RenderScene } from '@reelcraft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyDiffusionPipeline } from '../testing/tiny-onnx';
import type { RenderOptions } from '../renderer/scene-renderer';
import { chainBlendFrames } from '../renderer/chain-blend';
import { DiffusionRenderer, type DiffusionRendererOptions } from './diffusion-renderer';
import { DiffusionPipeline } from './pipeline';

let root: string;
let pipeline: DiffusionPipeline;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'diffusion-renderer-'));
  pipeline = await DiffusionPipeline.load(await writeTinyDiffusionPipeline(join(root, 'sd')), { intraOpNumThreads: 1 });
});

afterAll(async () => {
  await pipeline.release();
  await rm(root, { recursive: true, force: true });
});

const scene = (over: Partial<RenderScene> = {}): RenderScene => ({
  scene_number: 1,
  description: 'a river through the forest at sunset',
  subtitle: '',
  camera: { shot: 'wide', move: 'zoom-in' },
  duration_sec: 2,
  ...over,
});

async function render(options: Partial<DiffusionRendererOptions>, s = scene(), size: RenderOptions = { width: 96, height: 54, fps: 12, seed: 7 }) {
  const renderer = new DiffusionRenderer({ pipeline, steps: 6, guidanceScale: 4, cadence: 5, ...options });
  const frames: Buffer[] = [];
  for await (const f of renderer.renderFrames(s, size)) frames.push(f);
  return { renderer, frames, hashes: frames.map((f) => createHash('sha256').update(f).digest('hex')) };
}

describe('DiffusionRenderer', () => {
  it('yields exactly duration × fps frames of the requested size, with keyframes every cadence frames', async () => {
    const { renderer, frames } = await render({});
    expect(renderer.frameCount(scene(), { width: 96, height: 54, fps: 12 })).toBe(24);
    expect(frames).toHaveLength(24);
    for (const f of frames) expect(f.length).toBe(96 * 54 * 3);
    // ⌈24/5⌉ = 5 keyframes: one txt2img of 6 steps, four img2img of ⌊6·0.45⌋ = 2 steps, guidance batched.
    expect(renderer.lastSceneStats).toEqual({ keyframes: 5, unetCalls: 6 + 4 * 2 });
    // Frames move: the camera zooms and keyframes blend in.
    expect(new Set(frames.map((f) => f.toString('base64'))).size).toBeGreaterThan(20);
    // Not black, not flat.
    const f = frames[12]!;
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    expect(mean).toBeGreaterThan(10);
    expect(mean).toBeLessThan(245);
    expect(Math.max(...f) - Math.min(...f)).toBeGreaterThan(40);
  });

  it("puts the scene's characters and the render's style into the prompt, and a scene seed pins its noise", async () => {
    const first = (r: { hashes: string[] }) => r.hashes[0];
    const plain = await render({});
    const withCast = await render({}, scene({ characters: ['小狐狸: 红色的毛'] }));
    expect(first(withCast)).not.toBe(first(plain));
    // The render's style wins over the renderer's default and changes the pixels.
    const styled = await render({ stylePrompt: 'ink' }, scene(), { width: 96, height: 54, fps: 12, seed: 7, style: { stylePrompt: 'watercolour' } });
    const defaultStyle = await render({ stylePrompt: 'ink' });
    const sameAsStyled = await render({ stylePrompt: 'watercolour' });
    expect(first(styled)).toBe(first(sameAsStyled));
    expect(first(styled)).not.toBe(first(defaultStyle));
    // Without its own seed a scene's noise follows its position; with one, it does not.
    expect(first(await render({}, scene({ scene_number: 3 })))).not.toBe(first(plain));
    const pinned = await render({}, scene({ seed: 99 }));
    expect(first(await render({}, scene({ seed: 99, scene_number: 3 })))).toBe(first(pinned));
    expect(first(await render({}, scene({ seed: 99 }), { width: 96, height: 54, fps: 12, seed: 8 }))).toBe(first(pinned));
  });

  it('is seeded: same seed → identical frames, another seed → different frames', async () => {
    const a = await render({});
    const b = await render({});
    const c = await render({}, scene(), { width: 96, height: 54, fps: 12, seed: 8 });
    expect(b.hashes).toEqual(a.hashes);
    expect(c.hashes.filter((h, i) => h === a.hashes[i])).toHaveLength(0);
  });

  it('diffusion calls follow the cadence and strength schedule', async () => {
    const { renderer } = await render({ cadence: 24, strength: 0.5 });
    expect(renderer.lastSceneStats).toEqual({ keyframes: 1, unetCalls: 6 });
    const sched = await render({ cadence: 8, strength: (k) => (k === 1 ? 1 : 0.34) });
    // keyframes at 0, 8, 16: 6 + 6 (strength 1) + ⌊6·0.34⌋ = 2.
    expect(sched.renderer.lastSceneStats).toEqual({ keyframes: 3, unetCalls: 14 });
  });

  it('reports steps over the whole scene with previews', async () => {
    const events: { step: number; steps: number }[] = [];
    let jpeg: Buffer | undefined;
    await render({ cadence: 12, onStep: (e) => (events.push({ step: e.step, steps: e.steps }), (jpeg ??= e.preview.jpeg())) });
    // 2 keyframes: 6 + 2 steps.
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.every((e) => e.steps === 8)).toBe(true);
    expect(jpeg!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('style prompt changes the pictures; a chained scene starts from the frame it is given', async () => {
    const plain = await render({ cadence: 24 });
    const styled = await render({ cadence: 24, stylePrompt: 'watercolor style' });
    expect(styled.hashes[0]).not.toBe(plain.hashes[0]);

    const size = { width: 64, height: 64, fps: 12, seed: 1 };
    const first = await render({ cadence: 24 }, scene(), size);
    const last = first.frames[first.frames.length - 1]!;
    const night = scene({ scene_number: 2, description: 'a city at night', camera: { shot: 'wide', move: 'static' } });
    const renderer = new DiffusionRenderer({ pipeline, steps: 6, guidanceScale: 4, cadence: 24, continueStrength: 0.5 });
    const chained: Buffer[] = [];
    for await (const f of renderer.renderFrames(night, { ...size, chainFrom: last })) chained.push(f);
    // img2img from the given frame at strength 0.5: half the steps.
    expect(renderer.lastSceneStats.unetCalls).toBe(3);
    // The shot continues: its first frame is the previous scene's last, exactly.
    expect(chained[0]!.equals(last)).toBe(true);
    const fresh = await render({ cadence: 24 }, night, size);
    const diff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    // Past the dissolve, the picture still keeps more of the previous scene than a fresh one does.
    const after = chainBlendFrames(size.fps, chained.length);
    expect(diff(chained[after]!, last)).toBeLessThan(diff(fresh.frames[after]!, last));
  });
});
