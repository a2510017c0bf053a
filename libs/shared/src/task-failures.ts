/**
 * Why a render task failed, or why planning a storyboard did: stable names stored with the task
 * (`tasks.failure_code`), sent with its view and with `task:failed` / `planner:done`, and
 * translated by the studio. The English `error` beside it stays as detail. Each code comes from a
 * place that records a failure (render-queue.ts, render-job.ts, the scene runners, the review
 * queue, the planner); what none of them names is `render_failed`. `content_blocked` means what
 * the API error code of that name means.
 */
export const TASK_FAILURE_CODES = [
  // Anything not named below (a bug, an unexpected state): the English detail says what.
  'render_failed',
  // Someone cancelled it (the event of a cancelled render or plan says so).
  'cancelled',
  // Planning the storyboard from the prompt failed (the rule-based planner too).
  'plan_failed',
  // The content filter stopped the planned storyboard or what the video would show.
  'content_blocked',
  // An admin rejected the held prompt after review.
  'review_rejected',
  // The diffusion model a render worker was given is missing or cannot be loaded there.
  'model_missing',
  // The diffusion model failed while drawing (NaN or infinite values, an ONNX Runtime error).
  'model_failed',
  // A render worker went over RENDER_MEMORY_LIMIT_MB or out of JavaScript heap.
  'out_of_memory',
  // A render worker died under a scene (twice: it is retried once) or its host stopped.
  'worker_crashed',
  // A render worker's clip did not reach the server whole.
  'clip_lost',
  // ffmpeg failed to encode, cut or assemble a clip or the video.
  'ffmpeg_failed',
  // No space left on the disk of DATA_DIR.
  'disk_full',
  // No CJK font for the subtitles on the server.
  'font_missing',
  // The music chosen for the video has no usable audio.
  'music_unusable',
] as const;

export type TaskFailureCode = (typeof TASK_FAILURE_CODES)[number];

/** The codes a failed plan (`planner:done` with ok false) carries. */
export const PLAN_FAILURE_CODES = ['cancelled', 'plan_failed', 'content_blocked'] as const satisfies readonly TaskFailureCode[];
export type PlanFailureCode = (typeof PLAN_FAILURE_CODES)[number];

const CODES: ReadonlySet<string> = new Set(TASK_FAILURE_CODES);

export function isTaskFailureCode(value: unknown): value is TaskFailureCode {
  return typeof value === 'string' && CODES.has(value);
}
