import { isAbsolute } from 'node:path';
import { LIMITS, RenderPlanSchema, type RenderPlan, type StoryboardPlan } from '@reelcraft/shared';
import type { ClipInfo } from '../clip/encode-clip';
import { ONNX_DEVICES, type OnnxDevice } from '../diffusion/onnx-devices';

/**
 * The messages between the server and a render worker (a child process it forks per job).
 * One worker runs one job: `run` once, optionally `cancel`, then the worker reports `done` or
 * `failed` and exits (code 0 after done or a requested cancel, 1 after a failure).
 */
export interface RenderJob {
  taskId: string;
  prompt: string;
  /** Absolute directory the clips are written to, as scene-01.mp4, scene-02.mp4, … */
  workDir: string;
  width: number;
  height: number;
  fps: number;
  seed?: number;
  /**
   * A storyboard to render as is (e.g. one people edited in the studio). Without it the worker
   * plans from the prompt with the rule-based planner.
   */
  plan?: RenderPlan;
  /**
   * MODELS_DIR: plan with the LLM when its llm/ folder holds a usable GGUF (rule-based otherwise).
   * Loading a model happens in this worker, so a model that crashes llama.cpp fails one job only.
   */
  /** CPU threads for model inference (LLM evaluation, ONNX intra-op); the libraries' defaults when absent. */
  threads?: number;
  /** The ONNX Runtime execution provider the diffusion models run on (RENDER_DEVICE); cpu when absent. */
  device?: OnnxDevice;
  modelsDir?: string;
  /**
   * An Optimum ONNX Stable Diffusion export (text_encoder/, unet/, vae_decoder/, …): render the
   * scenes with it instead of the procedural animatic.
   */
  diffusionDir?: string;
}

export type ParentMessage = { type: 'run'; job: RenderJob } | { type: 'cancel' };

export interface SceneProgressMessage {
  type: 'scene-progress';
  scene_number: number;
  /** Frames encoded so far in this scene. */
  frame: number;
  frames: number;
}

export interface SceneDoneMessage {
  type: 'scene-done';
  scene_number: number;
  clip: ClipInfo;
  /** A JPEG still from the middle of the scene, next to the clip, for thumbnails. */
  poster?: string;
}

/** A diffusion renderer's sampling progress with a small JPEG of the picture forming (throttled). */
export interface ScenePreviewMessage {
  type: 'scene-preview';
  scene_number: number;
  /** Sampling steps done over all of the scene's keyframes. */
  step: number;
  steps: number;
  /** base64 JPEG. */
  jpeg: string;
}

export type WorkerMessage =
  | { type: 'planned'; plan: StoryboardPlan }
  | SceneProgressMessage
  | ScenePreviewMessage
  | SceneDoneMessage
  | { type: 'done' }
  | { type: 'failed'; message: string; /** True when the failure is the requested cancel. */ cancelled?: boolean };

export const RENDER_LIMITS = {
  width: { min: 16, max: 3840 },
  height: { min: 16, max: 2160 },
  fps: { min: 1, max: 60 },
  taskId: { max: 200 },
  threads: { max: 256 },
} as const;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a message from the parent; the error names the first problem found. */
export function parseParentMessage(value: unknown): ParseResult<ParentMessage> {
  if (!isRecord(value)) return { ok: false, error: 'message must be an object' };
  if (value.type === 'cancel') return { ok: true, value: { type: 'cancel' } };
  if (value.type !== 'run') return { ok: false, error: `unknown message type ${JSON.stringify(value.type)}` };
  const job = parseRenderJob(value.job);
  return job.ok ? { ok: true, value: { type: 'run', job: job.value } } : { ok: false, error: `invalid job: ${job.error}` };
}

export function parseRenderJob(value: unknown): ParseResult<RenderJob> {
  if (!isRecord(value)) return { ok: false, error: 'job must be an object' };
  const { taskId, prompt, workDir, width, height, fps, seed, plan, modelsDir, diffusionDir, threads, device } = value;
  if (typeof taskId !== 'string' || taskId.trim() === '' || taskId.length > RENDER_LIMITS.taskId.max) {
    return { ok: false, error: `taskId must be a non-empty string of at most ${RENDER_LIMITS.taskId.max} characters` };
  }
  if (typeof prompt !== 'string' || prompt.trim().length < LIMITS.prompt.min || prompt.length > LIMITS.prompt.max) {
    return { ok: false, error: `prompt must be a non-empty string of at most ${LIMITS.prompt.max} characters` };
  }
  if (typeof workDir !== 'string' || !isAbsolute(workDir)) return { ok: false, error: 'workDir must be an absolute path' };
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    const range = RENDER_LIMITS[name];
    // Even sizes: the clips are yuv420p, which libx264 refuses at odd sizes.
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max || v % 2 !== 0) {
      return { ok: false, error: `${name} must be an even integer from ${range.min} to ${range.max}` };
    }
  }
  if (typeof fps !== 'number' || !Number.isInteger(fps) || fps < RENDER_LIMITS.fps.min || fps > RENDER_LIMITS.fps.max) {
    return { ok: false, error: `fps must be an integer from ${RENDER_LIMITS.fps.min} to ${RENDER_LIMITS.fps.max}` };
  }
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed))) return { ok: false, error: 'seed must be an integer' };
  if (modelsDir !== undefined && (typeof modelsDir !== 'string' || !isAbsolute(modelsDir))) return { ok: false, error: 'modelsDir must be an absolute path' };
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > RENDER_LIMITS.threads.max)) {
    return { ok: false, error: `threads must be an integer from 1 to ${RENDER_LIMITS.threads.max}` };
  }
  if (diffusionDir !== undefined && (typeof diffusionDir !== 'string' || !isAbsolute(diffusionDir))) return { ok: false, error: 'diffusionDir must be an absolute path' };
  if (device !== undefined && !(ONNX_DEVICES as readonly unknown[]).includes(device)) return { ok: false, error: `device must be one of ${ONNX_DEVICES.join(', ')}` };
  let parsedPlan: RenderPlan | undefined;
  if (plan !== undefined) {
    const result = RenderPlanSchema.safeParse(plan);
    if (!result.success) {
      const issue = result.error.issues[0];
      return { ok: false, error: `plan is not a valid storyboard: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
    }
    parsedPlan = result.data;
  }
  const job: RenderJob = { taskId, prompt, workDir, width: width as number, height: height as number, fps };
  if (seed !== undefined) job.seed = seed as number;
  if (parsedPlan) job.plan = parsedPlan;
  if (modelsDir !== undefined) job.modelsDir = modelsDir as string;
  if (diffusionDir !== undefined) job.diffusionDir = diffusionDir as string;
  if (threads !== undefined) job.threads = threads as number;
  if (device !== undefined) job.device = device as OnnxDevice;
  return { ok: true, value: job };
}

const WORKER_TYPES = new Set(['planned', 'scene-progress', 'scene-preview', 'scene-done', 'done', 'failed']);

/** A cheap shape check for the parent side: the worker is our own code, so the type tag suffices. */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return isRecord(value) && typeof value.type === 'string' && WORKER_TYPES.has(value.type);
}

/** The clip file of a scene inside the job's workDir: scene-01.mp4 … scene-08.mp4. */
export function sceneClipFileName(sceneNumber: number): string {
  return `scene-${String(sceneNumber).padStart(2, '0')}.mp4`;
}

export function scenePosterFileName(sceneNumber: number): string {
  return `scene-${String(sceneNumber).padStart(2, '0')}.jpg`;
}
