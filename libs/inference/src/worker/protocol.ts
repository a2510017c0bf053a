import { isAbsolute } from 'node:path';
import { LIMITS, RenderPlanSchema, RenderSceneSchema, type RenderPlan, type RenderScene, type TaskFailureCode } from '@reelcraft/shared';
import type { ClipInfo } from '../clip/encode-clip';
import { ONNX_DEVICES, type OnnxDevice } from '../diffusion/onnx-devices';

/**
 * A render job run in one process (runRenderJob: the bench, tests): a whole plan, scene after
 * scene. The server does not send these to workers any more; it sends one scene at a time
 * (SceneJob below) to workers that stay up.
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

/**
 * One scene for a render worker that stays up between scenes (the server's pool): everything of
 * the plan the scene needs to be drawn, and where its files go. A worker runs one scene job at a
 * time; the parent sends the next only after the previous one's `scene-done` or `failed`.
 */
export interface SceneJob {
  jobId: string;
  taskId: string;
  scene: RenderScene;
  /** The storyboard title: the animatic's theme. */
  title: string;
  /** The storyboard's style prompt and negative prompt (diffusion). */
  style?: { stylePrompt: string; negativePrompt: string };
  /** The animatic's caption card (output.caption_card). */
  caption: boolean;
  width: number;
  height: number;
  fps: number;
  seed?: number;
  /** Absolute folder for the clip, poster and last frame; the worker creates it. */
  outDir: string;
  diffusionDir?: string;
  threads?: number;
  device?: OnnxDevice;
  /**
   * A chained scene: absolute path of the previous scene's last frame, raw RGB24 of exactly
   * width*height*3 bytes, which the scene starts from.
   */
  chainFrom?: string;
}

export type ParentMessage = { type: 'scene'; job: SceneJob } | { type: 'cancel'; job_id: string };

export interface SceneProgressMessage {
  type: 'scene-progress';
  job_id: string;
  scene_number: number;
  /** Frames encoded so far in this scene. */
  frame: number;
  frames: number;
}

export interface SceneDoneMessage {
  type: 'scene-done';
  job_id: string;
  scene_number: number;
  clip: ClipInfo;
  /** A JPEG still from the middle of the scene, next to the clip, for thumbnails. */
  poster?: string;
  /** The scene's last frame as raw RGB24 (width*height*3 bytes), next to the clip: what a chained next scene starts from. */
  last_frame?: string;
}

/** A diffusion renderer's sampling progress with a small JPEG of the picture forming (throttled). */
export interface ScenePreviewMessage {
  type: 'scene-preview';
  job_id: string;
  scene_number: number;
  /** Sampling steps done over all of the scene's keyframes. */
  step: number;
  steps: number;
  /** base64 JPEG. */
  jpeg: string;
  /** When the worker made the picture (Date.now(), ms since the epoch). */
  at: number;
}

export interface SceneFailedMessage {
  type: 'failed';
  /** The job that failed; null when the parent sent something the worker could not read at all. */
  job_id: string | null;
  message: string;
  /** What kind of failure, where the worker knows it from the error itself (see task-failure.ts). */
  code?: TaskFailureCode;
  /** True when the failure is the requested cancel. */
  cancelled?: boolean;
}

export type WorkerMessage = SceneProgressMessage | ScenePreviewMessage | SceneDoneMessage | SceneFailedMessage;

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
  if (value.type === 'cancel') {
    return isJobId(value.job_id) ? { ok: true, value: { type: 'cancel', job_id: value.job_id } } : { ok: false, error: `job_id must be a non-empty string of at most ${RENDER_LIMITS.taskId.max} characters` };
  }
  if (value.type !== 'scene') return { ok: false, error: `unknown message type ${JSON.stringify(value.type)}` };
  const job = parseSceneJob(value.job);
  return job.ok ? { ok: true, value: { type: 'scene', job: job.value } } : { ok: false, error: `invalid scene job: ${job.error}` };
}

const isJobId = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '' && v.length <= RENDER_LIMITS.taskId.max;

/** The picture settings both kinds of job share: even sizes in range, a frame rate, a seed, threads, device, model folder. */
function parseLook(value: Record<string, unknown>): ParseResult<null> {
  const { width, height, fps, seed, diffusionDir, threads, device } = value;
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
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > RENDER_LIMITS.threads.max)) {
    return { ok: false, error: `threads must be an integer from 1 to ${RENDER_LIMITS.threads.max}` };
  }
  if (diffusionDir !== undefined && (typeof diffusionDir !== 'string' || !isAbsolute(diffusionDir))) return { ok: false, error: 'diffusionDir must be an absolute path' };
  if (device !== undefined && !(ONNX_DEVICES as readonly unknown[]).includes(device)) return { ok: false, error: `device must be one of ${ONNX_DEVICES.join(', ')}` };
  return { ok: true, value: null };
}

export function parseSceneJob(value: unknown): ParseResult<SceneJob> {
  if (!isRecord(value)) return { ok: false, error: 'job must be an object' };
  const { jobId, taskId, scene, title, style, caption, outDir, chainFrom } = value;
  if (!isJobId(jobId)) return { ok: false, error: `jobId must be a non-empty string of at most ${RENDER_LIMITS.taskId.max} characters` };
  if (!isJobId(taskId)) return { ok: false, error: `taskId must be a non-empty string of at most ${RENDER_LIMITS.taskId.max} characters` };
  const parsedScene = RenderSceneSchema.safeParse(scene);
  if (!parsedScene.success) {
    const issue = parsedScene.error.issues[0];
    return { ok: false, error: `scene is not a valid storyboard scene: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
  }
  if (typeof title !== 'string' || title.length > LIMITS.storyboard.title.max) return { ok: false, error: `title must be a string of at most ${LIMITS.storyboard.title.max} characters` };
  if (style !== undefined) {
    if (!isRecord(style) || typeof style.stylePrompt !== 'string' || typeof style.negativePrompt !== 'string') return { ok: false, error: 'style must be { stylePrompt, negativePrompt } strings' };
    if (style.stylePrompt.length > LIMITS.storyboard.stylePrompt.max || style.negativePrompt.length > LIMITS.storyboard.negativePrompt.max) return { ok: false, error: 'style prompt or negative prompt is too long' };
  }
  if (typeof caption !== 'boolean') return { ok: false, error: 'caption must be a boolean' };
  if (typeof outDir !== 'string' || !isAbsolute(outDir)) return { ok: false, error: 'outDir must be an absolute path' };
  if (chainFrom !== undefined && (typeof chainFrom !== 'string' || !isAbsolute(chainFrom))) return { ok: false, error: 'chainFrom must be an absolute path' };
  const look = parseLook(value);
  if (!look.ok) return look;
  const job: SceneJob = { jobId, taskId, scene: parsedScene.data, title, caption, width: value.width as number, height: value.height as number, fps: value.fps as number, outDir };
  if (style !== undefined) job.style = { stylePrompt: (style as Record<string, string>).stylePrompt!, negativePrompt: (style as Record<string, string>).negativePrompt! };
  if (value.seed !== undefined) job.seed = value.seed as number;
  if (value.diffusionDir !== undefined) job.diffusionDir = value.diffusionDir as string;
  if (value.threads !== undefined) job.threads = value.threads as number;
  if (value.device !== undefined) job.device = value.device as OnnxDevice;
  if (chainFrom !== undefined) job.chainFrom = chainFrom;
  return { ok: true, value: job };
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
  const look = parseLook(value);
  if (!look.ok) return look;
  if (modelsDir !== undefined && (typeof modelsDir !== 'string' || !isAbsolute(modelsDir))) return { ok: false, error: 'modelsDir must be an absolute path' };
  let parsedPlan: RenderPlan | undefined;
  if (plan !== undefined) {
    const result = RenderPlanSchema.safeParse(plan);
    if (!result.success) {
      const issue = result.error.issues[0];
      return { ok: false, error: `plan is not a valid storyboard: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
    }
    parsedPlan = result.data;
  }
  const job: RenderJob = { taskId, prompt, workDir, width: width as number, height: height as number, fps: fps as number };
  if (seed !== undefined) job.seed = seed as number;
  if (parsedPlan) job.plan = parsedPlan;
  if (modelsDir !== undefined) job.modelsDir = modelsDir as string;
  if (diffusionDir !== undefined) job.diffusionDir = diffusionDir as string;
  if (threads !== undefined) job.threads = threads as number;
  if (device !== undefined) job.device = device as OnnxDevice;
  return { ok: true, value: job };
}

const WORKER_TYPES = new Set(['scene-progress', 'scene-preview', 'scene-done', 'failed']);

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

/** The raw RGB24 last frame of a scene, beside its clip: scene-01.last.rgb. */
export function sceneLastFrameFileName(sceneNumber: number): string {
  return `scene-${String(sceneNumber).padStart(2, '0')}.last.rgb`;
}
