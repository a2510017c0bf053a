import { MediaToolError, isAbortError } from '@reelcraft/inference';
import { isTaskFailureCode, type PlanFailureCode, type TaskFailureCode } from '@reelcraft/shared';
import { SceneCancelledError, WorkerDiedError } from './worker-pool';

/** A failure whose code its throw site knows (a missing font, the content filter, the planner). */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure';
  constructor(
    readonly failureCode: TaskFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Failures that reach the queue only as text: a render worker's `failed` message, BullMQ's
 * failedReason from a worker on another host, a child's last words. The worker protocol carries
 * no code, so these sentences (written in libs/inference, the scene runners and the supervisor)
 * are matched here, most specific first; failure-code.spec.ts holds each one as it is written.
 */
const BY_TEXT: readonly [RegExp, TaskFailureCode][] = [
  [/ENOSPC|no space left on device|disk quota exceeded/i, 'disk_full'],
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
  if (err instanceof TaskFailure) return err.failureCode;
  const own = (err as { failureCode?: unknown } | null)?.failureCode;
  if (isTaskFailureCode(own)) return own;
  if (err instanceof SceneCancelledError || isAbortError(err)) return 'cancelled';
  if ((err as NodeJS.ErrnoException | null)?.code === 'ENOSPC') return 'disk_full';
  if (err instanceof WorkerDiedError) {
    if (err.exit.cause === 'memory') return 'out_of_memory';
    // Its reason is the child's last words, which may still say "out of heap".
    return BY_TEXT.find(([re]) => re.test(err.message))?.[1] === 'out_of_memory' ? 'out_of_memory' : 'worker_crashed';
  }
  const message = err instanceof Error ? err.message : String(err);
  const byText = BY_TEXT.find(([re]) => re.test(message))?.[1];
  if (byText) return byText;
  if (err instanceof MediaToolError) return 'ffmpeg_failed';
  return 'render_failed';
}

/** The code a failed plan is announced with: cancelled, stopped by the filter, or else failed. */
export function planFailureCodeOf(err: unknown): PlanFailureCode {
  const code = failureCodeOf(err);
  return code === 'cancelled' || code === 'content_blocked' ? code : 'plan_failed';
}
