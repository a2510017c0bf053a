import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RenderScene, StoryboardPlan } from '@reelcraft/shared';
import { encodeClip, type ClipInfo } from '../clip/encode-clip';
import { DiffusionRenderer } from '../diffusion/diffusion-renderer';
import { sharedDiffusionPipeline } from '../diffusion/worker-pipeline';
import { createPlanner, disposePlanner } from '../planner/create-planner';
import type { Planner } from '../planner/planner';
import { RuleBasedPlanner } from '../planner/rule-based-planner';
import { AnimaticRenderer } from '../renderer/animatic-renderer';
import { encodeJpeg } from '../renderer/poster';
import type { RenderOptions, SceneRenderer } from '../renderer/scene-renderer';
import { isAbortError, throwIfAborted } from '../util/abort';
import { previewThrottle } from './preview-throttle';
import { parseRenderJob, sceneClipFileName, sceneLastFrameFileName, scenePosterFileName, type RenderJob, type SceneJob } from './protocol';
import { TaskFailure, knownFailureCodeOf } from './task-failure';

export interface SceneProgress {
  scene_number: number;
  frame: number;
  frames: number;
}

export interface ScenePreview {
  scene_number: number;
  step: number;
  steps: number;
  /** base64 JPEG. */
  jpeg: string;
  /** When the picture was made (Date.now()): the server and its watchers measure how late a preview arrives from it. */
  at: number;
}

export interface SceneResult {
  scene_number: number;
  clip: ClipInfo;
  poster?: string;
  /** The scene's last frame, raw RGB24, beside the clip: what a chained next scene starts from. */
  last_frame: string;
}

/** What drawing one scene needs from its plan (a scene job's own fields), and where its files go. */
export type SceneContext = Pick<SceneJob, 'title' | 'style' | 'caption' | 'width' | 'height' | 'fps' | 'seed' | 'outDir'> & {
  /** The previous scene's last frame (RGB24) for a chained scene: the job's chainFrom file, read. */
  chainFrom?: Buffer;
};

export interface RenderJobHooks {
  signal?: AbortSignal;
  /**
   * Defaults to createPlanner({ modelsDir: job.modelsDir }): the LLM planner when the job names a
   * models folder with a usable GGUF, else the rule-based planner. Ignored when the job carries a plan.
   */
  planner?: Planner;
  /** Defaults to the animatic renderer. */
  renderer?: SceneRenderer;
  onPlanned?(plan: StoryboardPlan): void;
  /** Throttled to one call per progressIntervalMs per scene, plus the scene's last frame. */
  onSceneProgress?(progress: SceneProgress): void;
  onSceneDone?(result: SceneResult): void;
  /** Default 200 ms: about five reports a second, plenty for a progress bar. */
  progressIntervalMs?: number;
  /** Sampling previews of the diffusion renderer, at most one per previewIntervalMs per scene. */
  onScenePreview?(preview: ScenePreview): void;
  /** Default 1000 ms: a JPEG is only encoded when it will be sent. */
  previewIntervalMs?: number;
  /** Write a JPEG still per scene next to its clip (default true). */
  posters?: boolean;
}

export interface RenderJobResult {
  plan: StoryboardPlan;
  scenes: SceneResult[];
}

/**
 * The whole job in this process: plan (unless the job brings a storyboard), then render and
 * encode the scenes one at a time into workDir. One at a time keeps memory flat and leaves the
 * second core to ffmpeg. The render worker runs exactly this; tests call it directly.
 */
export async function runRenderJob(job: RenderJob, hooks: RenderJobHooks = {}): Promise<RenderJobResult> {
  const parsed = parseRenderJob(job);
  if (!parsed.ok) throw new TypeError(`invalid render job: ${parsed.error}`);
  const { signal } = hooks;
  const renderer = hooks.renderer ?? (await sceneRenderer(parsed.value, hooks));

  throwIfAborted(signal, 'Rendering');
  await mkdir(job.workDir, { recursive: true });
  const plan = parsed.value.plan ?? (await planWith(hooks.planner, parsed.value, signal));
  hooks.onPlanned?.(plan);

  const context: SceneContext = {
    title: plan.title,
    caption: job.plan?.output?.caption_card ?? true,
    width: job.width,
    height: job.height,
    fps: job.fps,
    ...(job.seed !== undefined ? { seed: job.seed } : {}),
    ...(job.plan?.style ? { style: { stylePrompt: job.plan.style.style_prompt, negativePrompt: job.plan.style.negative_prompt } } : {}),
    outDir: job.workDir,
  };
  const scenes: SceneResult[] = [];
  for (const scene of plan.scenes) {
    throwIfAborted(signal, 'Rendering');
    // A chained scene starts from the last frame of the one drawn just before it.
    const previous = scenes.at(-1);
    const chainFrom = (scene as RenderScene).chained && previous ? await readFile(previous.last_frame) : undefined;
    const result = await renderScene(scene, { ...context, ...(chainFrom ? { chainFrom } : {}) }, renderer, hooks, job.diffusionDir);
    scenes.push(result);
    hooks.onSceneDone?.(result);
  }
  return { plan, scenes };
}

/** The renderer a job's scenes are drawn with: the diffusion pipeline when it names one, else the animatic. */
export async function sceneRenderer(job: { diffusionDir?: string; threads?: number; device?: RenderJob['device'] }, hooks: Pick<RenderJobHooks, 'onScenePreview' | 'previewIntervalMs'>): Promise<SceneRenderer> {
  return job.diffusionDir ? diffusionRenderer(job, hooks) : new AnimaticRenderer();
}

/** The diffusion renderer over the worker's shared pipeline, forwarding throttled previews. */
async function diffusionRenderer(job: { diffusionDir?: string; threads?: number; device?: RenderJob['device'] }, hooks: Pick<RenderJobHooks, 'onScenePreview' | 'previewIntervalMs'>): Promise<DiffusionRenderer> {
  const pipeline = await sharedDiffusionPipeline(job.diffusionDir!, { ...(job.threads ? { intraOpNumThreads: job.threads } : {}), ...(job.device ? { device: job.device } : {}) });
  const send = previewThrottle(hooks.previewIntervalMs);
  return new DiffusionRenderer({
    pipeline,
    onStep: (e) => {
      if (!hooks.onScenePreview || !send(e)) return;
      hooks.onScenePreview({ scene_number: e.scene_number, step: e.step, steps: e.steps, jpeg: e.preview.jpeg().toString('base64'), at: Date.now() });
    },
  });
}

/**
 * Plans the job; a planner made here (possibly a loaded LLM) is released before rendering starts.
 * When the LLM fails for any reason but a cancel, the rule-based planner still gets the video made.
 */
async function planWith(given: Planner | undefined, job: RenderJob, signal: AbortSignal | undefined): Promise<StoryboardPlan> {
  if (given) return given.plan(job.prompt, { signal });
  const warn = (reason: string) => console.warn(`render worker: planning with the rule-based planner: ${reason}`);
  const planner = await createPlanner({ modelsDir: job.modelsDir, onFallback: warn, ...(job.threads ? { threads: job.threads } : {}) });
  try {
    return await planner.plan(job.prompt, { signal });
  } catch (err) {
    if (isAbortError(err) || planner instanceof RuleBasedPlanner) throw err;
    warn(`the LLM planner failed: ${err instanceof Error ? err.message : String(err)}`);
    return new RuleBasedPlanner().plan(job.prompt, { signal });
  } finally {
    await disposePlanner(planner);
  }
}

/**
 * Draws one scene and encodes it into outDir: its clip, a JPEG still from its middle (unless
 * hooks.posters is false) and its last frame as raw RGB24. The render worker runs this once per
 * scene job; runRenderJob once per scene of its plan.
 */
export async function renderScene(
  scene: RenderScene,
  context: SceneContext,
  renderer: SceneRenderer,
  hooks: Pick<RenderJobHooks, 'signal' | 'onSceneProgress' | 'progressIntervalMs' | 'posters'>,
  /** The diffusion export the renderer runs, named in a failure. */
  diffusionDir?: string,
): Promise<SceneResult> {
  try {
    return await drawScene(scene, context, renderer, hooks);
  } catch (err) {
    // A NaN or an ONNX Runtime error deep in sampling means little without the scene it broke. The
    // model is named as the registry names it: every member of the project reads this message,
    // and the server's folders are the operator's business.
    if (renderer instanceof DiffusionRenderer && !isAbortError(err)) {
      throw new TaskFailure(
        knownFailureCodeOf(err) ?? 'model_failed',
        `scene ${scene.scene_number} failed to render with the diffusion model ${basename(diffusionDir ?? 'diffusion')}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    throw err;
  }
}

async function drawScene(
  scene: RenderScene,
  context: SceneContext,
  renderer: SceneRenderer,
  hooks: Pick<RenderJobHooks, 'signal' | 'onSceneProgress' | 'progressIntervalMs' | 'posters'>,
): Promise<SceneResult> {
  const { width, height, fps, outDir } = context;
  const interval = hooks.progressIntervalMs ?? 200;
  const options: RenderOptions = {
    width,
    height,
    fps,
    seed: context.seed,
    theme: context.title,
    caption: context.caption,
    signal: hooks.signal,
    ...(context.style ? { style: context.style } : {}),
    ...(context.chainFrom ? { chainFrom: context.chainFrom } : {}),
  };
  const frames = renderer.frameCount(scene, options);
  const middle = Math.floor(frames / 2);
  let still: Buffer | undefined;
  let last: Buffer | undefined;
  const wantPoster = hooks.posters !== false;
  // Keep one frame from the middle of the scene for the poster, and the last one, as they stream past.
  async function* tapped(): AsyncGenerator<Buffer> {
    let i = 0;
    for await (const frame of renderer.renderFrames(scene, options)) {
      if (wantPoster && i === middle) still = frame;
      last = frame;
      i++;
      yield frame;
    }
  }

  await mkdir(outDir, { recursive: true });
  let lastReport = -Infinity;
  const clip = await encodeClip(tapped(), {
    width,
    height,
    fps,
    outPath: join(outDir, sceneClipFileName(scene.scene_number)),
    totalFrames: frames,
    signal: hooks.signal,
    onProgress: (done, total) => {
      const now = performance.now();
      if (done === total || now - lastReport >= interval) {
        lastReport = now;
        hooks.onSceneProgress?.({ scene_number: scene.scene_number, frame: done, frames: total });
      }
    },
  });

  const lastFrame = join(outDir, sceneLastFrameFileName(scene.scene_number));
  await writeFile(lastFrame, last!);
  let poster: string | undefined;
  if (still) {
    poster = join(outDir, scenePosterFileName(scene.scene_number));
    await writeFile(poster, encodeJpeg(still, width, height));
  }
  return { scene_number: scene.scene_number, clip, last_frame: lastFrame, ...(poster ? { poster } : {}) };
}
