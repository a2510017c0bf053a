import type { taskFailureMessagesZh } from './task-failures.zh';

/** English text of every task failure code: exactly the keys of task-failures.zh.ts. */
export const taskFailureMessagesEn: Record<keyof typeof taskFailureMessagesZh, string> = {
  failure_render_failed: 'The render ran into an error; the server log has the details',
  failure_cancelled: 'Cancelled',
  failure_plan_failed: 'No storyboard could be planned from this idea',
  failure_content_blocked: 'The content filter blocked something in the storyboard',
  failure_review_rejected: 'An administrator rejected this idea after review',
  failure_model_missing: 'The video model is missing or cannot be loaded: an administrator checks models/diffusion and rescans',
  failure_model_failed: 'The video model failed while drawing (the model or its export may be broken)',
  failure_out_of_memory: 'The render process ran out of memory',
  failure_worker_crashed: 'The render process stopped unexpectedly (it was retried once on a fresh one)',
  failure_clip_lost: "A render worker's clip did not reach the server whole",
  failure_ffmpeg_failed: 'The video tool (ffmpeg) failed on a clip',
  failure_disk_full: "The server's disk is full",
  failure_font_missing: 'The server has no Chinese font for the subtitles',
  failure_music_unusable: 'The chosen music has no usable audio',
  failure_details: "Server's words",
};
