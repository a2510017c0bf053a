import { mkdir, writeFile } from 'node:fs/promises';
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
import { parseRenderJob, sceneClipFileName, scenePosterFileName, type RenderJob } from './protocol';

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
}

export interface SceneResult {
  scene_number: number;
  clip: ClipInfo;
  poster?: string;
}

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
  const renderer = hooks.renderer ?? (parsed.value.diffusionDir ? await diffusionRenderer(parsed.value, hooks) : new AnimaticRenderer());
  const interval = hooks.progressIntervalMs ?? 200;

  throwIfAborted(signal, 'Rendering');
  await mkdir(job.workDir, { recursive: true });
  const plan = parsed.value.plan ?? (await planWith(hooks.planner, parsed.value, signal));
  hooks.onPlanned?.(plan);

  const scenes: SceneResult[] = [];
  for (const scene of plan.scenes) {
    throwIfAborted(signal, 'Rendering');
    const result = await renderScene(scene, plan.title, job, renderer, hooks, interval).catch((err: unknown) => {
      // A NaN or an ONNX Runtime error deep in sampling means little without the scene it broke. The
      // model is named as the registry names it: every member of the project reads this message,
      // and the server's folders are the operator's business.
      if (renderer instanceof DiffusionRenderer && !isAbortError(err)) {
        throw new Error(`scene ${scene.scene_number} failed to render with the diffusion model ${basename(job.diffusionDir!)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      throw err;
    });
    scenes.push(result);
    hooks.onSceneDone?.(result);
  }
  return { plan, scenes };
}

/** The diffusion renderer over the worker's shared pipeline, forwarding throttled previews. */
async function diffusionRenderer(job: RenderJob, hooks: RenderJobHooks): Promise<DiffusionRenderer> {
  const pipeline = await sharedDiffusionPipeline(job.diffusionDir!, { ...(job.threads ? { intraOpNumThreads: job.threads } : {}), ...(job.device ? { device: job.device } : {}) });
  const send = previewThrottle(hooks.previewIntervalMs);
  return new DiffusionRenderer({
    pipeline,
    onStep: (e) => {
      if (!hooks.onScenePreview || !send(e)) return;
      hooks.onScenePreview({ scene_number: e.scene_number, step: e.step, steps: e.steps, jpeg: e.preview.jpeg().toString('base64') });
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

async function renderScene(
  scene: RenderScene,
  theme: string,
  job: RenderJob,
  renderer: SceneRenderer,
  hooks: RenderJobHooks,
  interval: number,
): Promise<SceneResult> {
  const style = job.plan?.style ? { stylePrompt: job.plan.style.style_prompt, negativePrompt: job.plan.style.negative_prompt } : undefined;
  const caption = job.plan?.output?.caption_card ?? true;
  const options: RenderOptions = { width: job.width, height: job.height, fps: job.fps, seed: job.seed, theme, caption, signal: hooks.signal, ...(style ? { style } : {}) };
  const frames = renderer.frameCount(scene, options);
  const middle = Math.floor(frames / 2);
  let still: Buffer | undefined;
  const wantPoster = hooks.posters !== false;
  // Keep one frame from the middle of the scene for the poster, as it streams past.
  async function* tapped(): AsyncGenerator<Buffer> {
    let i = 0;
    for await (const frame of renderer.renderFrames(scene, options)) {
      if (wantPoster && i === middle) still = frame;
      i++;
      yield frame;
    }
  }

  let lastReport = -Infinity;
  const clip = await encodeClip(tapped(), {
    width: job.width,
    height: job.height,
    fps: job.fps,
    outPath: join(job.workDir, sceneClipFileName(scene.scene_number)),
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

  let poster: string | undefined;
  if (still) {
    poster = join(job.workDir, scenePosterFileName(scene.scene_number));
    await writeFile(poster, encodeJpeg(still, job.width, job.height));
  }
  return poster ? { scene_number: scene.scene_number, clip, poster } : { scene_number: scene.scene_number, clip };
}
