import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoryboardPlanSchema, type StoryboardPlan } from '@reelcraft/shared';
import { probeVideo } from '../media/probe';
import { RuleBasedPlanner } from '../planner/rule-based-planner';
import { writeTinyGguf } from '../testing/tiny-gguf';
import { runRenderJob, type SceneProgress } from './run-render-job';

const root = mkdtempSync(join(tmpdir(), 'reelcraft-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FOREST = '制作一段关于森林探险的短视频，包含河流和小动物';
const small = { width: 160, height: 90, fps: 8 };

describe('runRenderJob', () => {
  it('plans, renders and encodes every scene into workDir', async () => {
    const workDir = join(root, 'forest');
    const events: string[] = [];
    const progress: SceneProgress[] = [];
    const result = await runRenderJob(
      { taskId: 't-forest', prompt: FOREST, workDir, ...small },
      {
        onPlanned: (plan) => events.push(`planned:${plan.scenes.length}`),
        onSceneProgress: (p) => progress.push(p),
        onSceneDone: (r) => events.push(`done:${r.scene_number}`),
      },
    );
    const n = result.plan.scenes.length;
    expect(result.plan).toEqual(new RuleBasedPlanner().planSync(FOREST));
    expect(events).toEqual([`planned:${n}`, ...result.plan.scenes.map((s) => `done:${s.scene_number}`)]);
    expect(readdirSync(workDir).sort()).toEqual(
      result.plan.scenes.flatMap((s) => [`scene-0${s.scene_number}.jpg`, `scene-0${s.scene_number}.last.rgb`, `scene-0${s.scene_number}.mp4`]).sort(),
    );

    for (const [i, scene] of result.plan.scenes.entries()) {
      const { clip, poster, last_frame } = result.scenes[i]!;
      // The last frame, raw RGB24, for a chained next scene.
      expect(statSync(last_frame).size).toBe(160 * 90 * 3);
      expect(clip.path).toBe(join(workDir, `scene-0${scene.scene_number}.mp4`));
      expect(clip.frames).toBe(scene.duration_sec * small.fps);
      expect(clip.duration).toBe(scene.duration_sec);
      expect(clip.resolution).toBe('160x90');
      expect(poster && existsSync(poster)).toBe(true);
      const probe = await probeVideo(clip.path);
      expect(probe).toMatchObject({ codec: 'h264', width: 160, height: 90, fps: 8, frames: clip.frames, pix_fmt: 'yuv420p', has_audio: false });
      // The last report of a scene is always its last frame.
      const own = progress.filter((p) => p.scene_number === scene.scene_number);
      expect(own.at(-1)).toEqual({ scene_number: scene.scene_number, frame: clip.frames, frames: clip.frames });
    }
  });

  it('throttles progress reports', async () => {
    const progress: SceneProgress[] = [];
    const result = await runRenderJob(
      { taskId: 't-throttle', prompt: 'forest', workDir: join(root, 'throttle'), ...small },
      { onSceneProgress: (p) => progress.push(p), progressIntervalMs: 60_000, posters: false },
    );
    // With a long interval: the first frame and the last frame of each scene only.
    expect(progress).toHaveLength(result.plan.scenes.length * 2);
    expect(readdirSync(join(root, 'throttle')).every((f) => f.endsWith('.mp4') || f.endsWith('.last.rgb'))).toBe(true);
  });

  it('renders a storyboard given with the job instead of planning', async () => {
    const plan: StoryboardPlan = {
      language: 'en',
      title: 'Edited',
      scenes: [1, 2, 3].map((n) => ({
        scene_number: n,
        description: `Edited scene ${n}: a lighthouse by the sea at night`,
        subtitle: `Line ${n}`,
        camera: { shot: 'wide', move: 'static' },
        duration_sec: 1,
      })),
    };
    const result = await runRenderJob({ taskId: 't-plan', prompt: 'ignored', workDir: join(root, 'plan'), ...small, plan }, { posters: false });
    expect(result.plan).toEqual(plan);
    expect(result.scenes.map((s) => s.clip.frames)).toEqual([8, 8, 8]);
  });

  it('stops on abort, leaving no partial clip', async () => {
    const controller = new AbortController();
    const workDir = join(root, 'aborted');
    const promise = runRenderJob(
      { taskId: 't-abort', prompt: FOREST, workDir, ...small },
      {
        signal: controller.signal,
        progressIntervalMs: 0,
        onSceneProgress: (p) => {
          if (p.scene_number === 2 && p.frame === 5) controller.abort();
        },
      },
    );
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    const files = readdirSync(workDir);
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(files).not.toContain('scene-02.mp4');
    expect(files).toContain('scene-01.mp4');
  });

  it('plans with the LLM when the job names a models folder holding a usable GGUF', async () => {
    const modelsDir = join(root, 'models');
    // Context 4096 in the metadata: the planner sizes its context from it, and the prompt needs room.
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'), { contextLength: 4096 });
    const result = await runRenderJob(
      { taskId: 't-llm', prompt: FOREST, workDir: join(root, 'llm'), width: 64, height: 36, fps: 2, modelsDir },
      { posters: false },
    );
    expect(StoryboardPlanSchema.safeParse(result.plan).success).toBe(true);
    // The tiny model writes nonsense: a plan unlike the rule-based one proves the LLM answered.
    expect(result.plan).not.toEqual(new RuleBasedPlanner().planSync(FOREST));
    expect(result.scenes).toHaveLength(result.plan.scenes.length);
  });

  it('rejects an invalid job before doing anything', async () => {
    await expect(runRenderJob({ taskId: 't', prompt: 'x', workDir: 'relative', ...small })).rejects.toThrow(/workDir/);
  });
});
