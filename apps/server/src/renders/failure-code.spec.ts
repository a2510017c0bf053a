import { AbortError, MediaToolError, childStoppedMessage, memoryLimitMessage } from '@reelcraft/inference';
import { describe, expect, it } from 'vitest';
import { TaskFailure, failureCodeOf, planFailureCodeOf } from './failure-code';
import { SceneCancelledError, WorkerDiedError } from './worker-pool';

const MiB = 1024 * 1024;

describe('failureCodeOf', () => {
  it('takes the code a throw site named, and knows cancels, full disks and dead workers by their type', () => {
    expect(failureCodeOf(new TaskFailure('font_missing', 'no CJK font found for subtitles'))).toBe('font_missing');
    expect(failureCodeOf(Object.assign(new Error('x'), { failureCode: 'content_blocked' }))).toBe('content_blocked');
    expect(failureCodeOf(Object.assign(new Error('x'), { failureCode: 'no_such_code' }))).toBe('render_failed');
    expect(failureCodeOf(new SceneCancelledError())).toBe('cancelled');
    expect(failureCodeOf(new AbortError('Encoding was aborted'))).toBe('cancelled');
    expect(failureCodeOf(Object.assign(new Error("write '/data/tasks/t/final.mp4'"), { code: 'ENOSPC' }))).toBe('disk_full');
    const memory = new WorkerDiedError({ code: null, signal: 'SIGKILL', cause: 'memory', reason: memoryLimitMessage(16 * MiB, 40 * MiB) });
    expect(failureCodeOf(memory)).toBe('out_of_memory');
    const heap = new WorkerDiedError({ code: 134, signal: null, cause: 'crashed', reason: childStoppedMessage('render worker', null, 134, 'FATAL ERROR: Reached heap limit Allocation failed', 64) });
    expect(failureCodeOf(heap)).toBe('out_of_memory');
    const killed = new WorkerDiedError({ code: null, signal: 'SIGKILL', cause: 'crashed', reason: childStoppedMessage('render worker', 'SIGKILL', null, '', 0) });
    expect(failureCodeOf(killed)).toBe('worker_crashed');
  });

  // Each sentence as its writer words it: render workers on other hosts and BullMQ pass only text.
  it.each([
    [`${memoryLimitMessage(16 * MiB, 41 * MiB)}`, 'out_of_memory'],
    ['scene 2: render worker stopped unexpectedly (SIGKILL) (its render worker died twice; it was retried once on a fresh worker)', 'worker_crashed'],
    ['scene 3: its render worker died twice (it was retried once on another)', 'worker_crashed'],
    ['scene 1: the render worker host stopped while drawing this scene', 'worker_crashed'],
    ["scene 4: the render worker's clip did not arrive (is DATA_DIR shared by every server instance?)", 'clip_lost'],
    ["scene 4: the render worker's clip arrived with 100 of 2048 bytes", 'clip_lost'],
    ['/srv/models/diffusion/sd is not a usable diffusion export: unet/model.onnx missing', 'model_missing'],
    ['cannot load unet/model.onnx: protobuf parsing failed', 'model_missing'],
    ['scene 1 failed to render with the diffusion model nan-sd: the UNet produced NaN at step 1/2 (timestep 999); the model or its export is broken', 'model_failed'],
    ['encoding scene-01.mp4: /usr/bin/ffmpeg exited with code 1:\n  Invalid argument', 'ffmpeg_failed'],
    ['assembling the video: ffmpeg exited with code 1:\n  av_interleaved_write_frame(): No space left on device', 'disk_full'],
    ["ENOSPC: no space left on device, write", 'disk_full'],
    ['no CJK font found for subtitles: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei)', 'font_missing'],
    ['music file has no usable audio stream: /data/music/x.wav', 'music_unusable'],
    ['the task has no storyboard to render', 'render_failed'],
    ["scene 2 is chained, but the previous scene's last frame cannot be read: ENOENT", 'render_failed'],
  ] as const)('%s → %s', (message, code) => {
    expect(failureCodeOf(new Error(message))).toBe(code);
  });

  it('names a media tool that failed without saying ffmpeg (espeak-ng) as a media failure', () => {
    expect(failureCodeOf(new MediaToolError('narration: espeak-ng exited with code 1:\n  bad voice', 1, []))).toBe('ffmpeg_failed');
  });

  it('gives a plan cancelled, stopped by the filter, or failed', () => {
    expect(planFailureCodeOf(new AbortError())).toBe('cancelled');
    expect(planFailureCodeOf(new TaskFailure('content_blocked', 'the content filter stopped the plan'))).toBe('content_blocked');
    expect(planFailureCodeOf(new Error('the rule-based planner found nothing to plan'))).toBe('plan_failed');
    // A planner's text that happens to resemble a render failure is still a failed plan.
    expect(planFailureCodeOf(new Error('ENOSPC while writing the plan'))).toBe('plan_failed');
  });
});
