import { DISK_FULL_TEXT, TaskFailure, isAbortError, knownFailureCodeOf } from '@reelcraft/inference';
import { isTaskFailureCode, type PlanFailureCode, type TaskFailureCode } from '@reelcraft/shared';
import { SceneCancelledError, WorkerDiedError } from './worker-pool';

/** A failure whose code its throw site knows (a missing font, the content filter, the planner, a model). */
export { TaskFailure };

/**
 * Failures that reach the queue only as text: a child's last words, a scene runner's own
 * sentences, and a worker's failure where the worker could not name a code (the render worker
 * sends one with its `failed` message where the error itself says what it is; a remote host
 * writes it into BullMQ's failedReason). Matched here, most specific first; failure-code.spec.ts
 * holds each one as it is written.
 */
const BY_TEXT: readonly [RegExp, TaskFailureCode][] = [
  [DISK_FULL_TEXT, 'disk_full'],
  [/exceeded its memory limit|out of JavaScript heap memory|Reached heap limit/, 'out_of_memory'],
  [/stopped unexpectedly|died twice|render worker crashed|render worker host stopped/, 'worker_crashed'],
  [/clip did not arrive|clip arrived with \d+ of \d+ bytes|answer is malformed/, 'clip_lost'],
  [/is not a usable diffusion export|cannot load \S+\.onnx|has no vae_encoder model/, 'model_missing'],
  [/\bff(mpeg|probe)\b/i, 'ffmpeg_failed'],
  [/failed to render with the diffusion model/, 'model_failed'],
  [/no CJK font|fonts folder for subtitles not found/, 'font_missing'],
  [/music file has no usable audio/, 'music_unusable'],
];

/** The code a render's failure is stored and announced with; what nothing names is `render_failed`. */
export function failureCodeOf(err: unknown): TaskFailureCode {
  const own = (err as { failureCode?: unknown } | null)?.failureCode;
  if (isTaskFailureCode(own)) return own;
  if (err instanceof SceneCancelledError || isAbortError(err)) return 'cancelled';
  if (err instanceof WorkerDiedError) {
    if (err.exit.cause === 'memory') return 'out_of_memory';
    // Its reason is the child's last words, which may still say "out of heap".
    return BY_TEXT.find(([re]) => re.test(err.message))?.[1] === 'out_of_memory' ? 'out_of_memory' : 'worker_crashed';
  }
  const message = err instanceof Error ? err.message : String(err);
  return BY_TEXT.find(([re]) => re.test(message))?.[1] ?? knownFailureCodeOf(err) ?? 'render_failed';
}

/** The code a failed plan is announced with: cancelled, stopped by the filter, or else failed. */
export function planFailureCodeOf(err: unknown): PlanFailureCode {
  const code = failureCodeOf(err);
  return code === 'cancelled' || code === 'content_blocked' ? code : 'plan_failed';
}
