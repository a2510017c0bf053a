import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoryboardPlan } from '@reelcraft/shared';
import { loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeVideo } from '../media/probe';
import { writeTinyDiffusionPipeline } from '../testing/tiny-onnx';
import { isWorkerMessage, parseRenderJob } from '../worker/protocol';
import { runRenderJob, type ScenePreview } from '../worker/run-render-job';
import { releaseSharedDiffusionPipelines } from './worker-pipeline';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'diffusion-job-'));
});

afterAll(async () => {
  await releaseSharedDiffusionPipelines();
  await rm(root, { recursive: true, force: true });
});

const plan: StoryboardPlan = {
  language: 'en',
  title: 'River',
  scenes: [
    { scene_number: 1, description: 'a river in the forest', subtitle: 'The river', camera: { shot: 'wide', move: 'pan-left' }, duration_sec: 2 },
    { scene_number: 2, description: 'the city at night', subtitle: 'The city', camera: { shot: 'medium', move: 'zoom-out' }, duration_sec: 3 },
    { scene_number: 3, description: 'a cat at sunset', subtitle: 'The cat', camera: { shot: 'close-up', move: 'tilt-up' }, duration_sec: 1 },
  ],
};

describe('runRenderJob with a diffusion pipeline', () => {
  it('renders each scene into an MP4 of the scene’s frame count and size, with previews', async () => {
    const diffusionDir = await writeTinyDiffusionPipeline(join(root, 'sd'), { timestep: 'float32-scalar' });
    const previews: ScenePreview[] = [];
    const started = Date.now();
    const result = await runRenderJob(
      { taskId: 't-sd', prompt: 'ignored', workDir: join(root, 'out'), width: 96, height: 64, fps: 8, plan, diffusionDir },
      { onScenePreview: (p) => previews.push(p), previewIntervalMs: 0 },
    );
    for (const [i, scene] of plan.scenes.entries()) {
      const probe = await probeVideo(result.scenes[i]!.clip.path);
      expect(probe.frames).toBe(scene.duration_sec * 8);
      expect([probe.width, probe.height]).toEqual([96, 64]);
    }
    // Default 20 steps, cadence 6: scene 1 (16 frames) has 3 keyframes = 20 + 2·9 steps.
    const first = previews.filter((p) => p.scene_number === 1);
    expect(first.map((p) => p.step)).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    expect(first.every((p) => p.steps === 38)).toBe(true);
    // Each preview says when it was made, in order, for the server's watchers to measure how late it arrives.
    expect(first.every((p, i) => p.at >= started && p.at <= Date.now() && (i === 0 || p.at >= first[i - 1]!.at))).toBe(true);
    const image = await loadImage(Buffer.from(first[0]!.jpeg, 'base64'));
    expect(image.width).toBeGreaterThan(0);
    expect(isWorkerMessage({ type: 'scene-preview', ...first[0]! })).toBe(true);
  });

  it('throttles previews but always sends the last step', async () => {
    const diffusionDir = await writeTinyDiffusionPipeline(join(root, 'sd-throttle'));
    const previews: ScenePreview[] = [];
    await runRenderJob(
      { taskId: 't-sd2', prompt: 'ignored', workDir: join(root, 'out2'), width: 32, height: 32, fps: 4, plan, diffusionDir },
      { onScenePreview: (p) => previews.push(p), previewIntervalMs: 60_000, posters: false },
    );
    // Scene 1: 8 frames at cadence 6 → 2 keyframes, 20 + 9 steps; the first and the last get through.
    expect(previews.filter((p) => p.scene_number === 1).map((p) => p.step)).toEqual([1, 29]);
    expect(previews.filter((p) => p.scene_number === 3).map((p) => p.step)).toEqual([1, 20]);
  });

  it('fails the scene with a clear message when the model produces NaN', async () => {
    const diffusionDir = await writeTinyDiffusionPipeline(join(root, 'sd-nan'), { fault: 'nan-unet' });
    await expect(
      runRenderJob({ taskId: 't-nan', prompt: 'ignored', workDir: join(root, 'out-nan'), width: 32, height: 32, fps: 4, plan, diffusionDir }, { posters: false }),
    ).rejects.toThrow(/^scene 1 failed to render with the diffusion model sd-nan: the UNet produced NaN at step 1\/20/);
  });

  it('validates diffusionDir in the job', () => {
    const job = { taskId: 't', prompt: 'p', workDir: '/tmp/x', width: 32, height: 32, fps: 4 };
    expect(parseRenderJob({ ...job, diffusionDir: '/srv/models/sd15' })).toMatchObject({ ok: true, value: { diffusionDir: '/srv/models/sd15' } });
    expect(parseRenderJob({ ...job, diffusionDir: 'relative/sd' })).toEqual({ ok: false, error: 'diffusionDir must be an absolute path' });
  });
});
