import { newScene } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { MediaToolError } from '../media/ffmpeg';
import { AbortError } from '../util/abort';
import type { WorkerMessage } from './protocol';
import type { SceneResult } from './run-render-job';
import { serveRenderWorker, type RunSceneJob, type SceneJobHooks, type WorkerPort } from './serve-render-worker';
import { TaskFailure } from './task-failure';

const scene = { ...newScene({ description: 'a forest at dawn' }), scene_number: 1 };
const job = (jobId: string) => ({ jobId, taskId: 't1', scene, title: '森林', caption: true, width: 64, height: 36, fps: 4, outDir: '/tmp/reelcraft-fake' });
const clip = { path: '/tmp/x/scene-01.mp4', frames: 16, duration: 4, bytes: 1, sha256: 'ab', frame_rate: 4, resolution: '64x36' };

/** An in-memory port: what the worker sends, when it exits, and a way to talk to it. */
function fakePort() {
  const sent: WorkerMessage[] = [];
  const waiters: (() => void)[] = [];
  let onMessage: (m: unknown) => void = () => undefined;
  let onDisconnect: () => void = () => undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const port: WorkerPort = {
    send: async (m) => {
      sent.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    onMessage: (l) => (onMessage = l),
    onDisconnect: (l) => (onDisconnect = l),
    exit: (code) => resolveExit(code),
  };
  /** Resolves once `n` messages have been sent. */
  const sentCount = async (n: number) => {
    while (sent.length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { port, sent, exited, sentCount, post: (m: unknown) => onMessage(m), disconnect: () => onDisconnect() };
}

/** Scene jobs that report like the real ones but finish only when told, or when aborted. */
function controllableJobs() {
  const runs = new Map<string, { hooks: SceneJobHooks; finish(): void; cleanedUp: boolean }>();
  const run: RunSceneJob = (j, hooks) =>
    new Promise<SceneResult>((resolve, reject) => {
      const entry = { hooks, cleanedUp: false, finish: () => resolve({ scene_number: j.scene.scene_number, clip, last_frame: '/tmp/x/scene-01.last.rgb' }) };
      runs.set(j.jobId, entry);
      hooks.signal.addEventListener('abort', () => {
        // Simulates the encoder's cleanup taking a moment after the abort.
        setTimeout(() => {
          entry.cleanedUp = true;
          reject(new AbortError('Rendering was aborted'));
        }, 20);
      });
    });
  return { run, get: (id: string) => runs.get(id)! };
}

describe('serveRenderWorker', () => {
  it('draws scene after scene without exiting, each answer tagged with its job', async () => {
    const w = fakePort();
    const c = controllableJobs();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'scene', job: job('a') });
    c.get('a').hooks.onSceneProgress({ scene_number: 1, frame: 4, frames: 16 });
    c.get('a').finish();
    await w.sentCount(2);
    w.post({ type: 'scene', job: job('b') });
    c.get('b').finish();
    await w.sentCount(3);
    expect(w.sent).toEqual([
      { type: 'scene-progress', job_id: 'a', scene_number: 1, frame: 4, frames: 16 },
      { type: 'scene-done', job_id: 'a', scene_number: 1, clip, last_frame: '/tmp/x/scene-01.last.rgb' },
      { type: 'scene-done', job_id: 'b', scene_number: 1, clip, last_frame: '/tmp/x/scene-01.last.rgb' },
    ]);
  });

  it('answers an invalid message with failed naming the job, and stays up for the next', async () => {
    const w = fakePort();
    const c = controllableJobs();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'scene', job: { ...job('bad'), width: 63 } });
    w.post({ hello: 1 });
    await w.sentCount(2);
    expect(w.sent).toEqual([
      { type: 'failed', job_id: 'bad', message: expect.stringMatching(/^invalid message from parent: invalid scene job: width/) },
      { type: 'failed', job_id: null, message: expect.stringMatching(/unknown message type/) },
    ]);
    w.post({ type: 'scene', job: job('good') });
    c.get('good').finish();
    await w.sentCount(3);
    expect(w.sent[2]).toMatchObject({ type: 'scene-done', job_id: 'good' });
  });

  it('cancels the running job: answers after the job has cleaned up, then takes the next', async () => {
    const w = fakePort();
    const c = controllableJobs();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'scene', job: job('a') });
    w.post({ type: 'cancel', job_id: 'other' });
    w.post({ type: 'cancel', job_id: 'a' });
    await w.sentCount(1);
    expect(c.get('a').cleanedUp).toBe(true);
    expect(w.sent).toEqual([{ type: 'failed', job_id: 'a', message: 'cancelled', cancelled: true }]);
    w.post({ type: 'scene', job: job('b') });
    c.get('b').finish();
    await w.sentCount(2);
    expect(w.sent[1]).toMatchObject({ type: 'scene-done', job_id: 'b' });
  });

  it('refuses a second job while one runs, and the first goes on', async () => {
    const w = fakePort();
    const c = controllableJobs();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'scene', job: job('a') });
    w.post({ type: 'scene', job: job('b') });
    await w.sentCount(1);
    expect(w.sent).toEqual([{ type: 'failed', job_id: 'b', message: 'this render worker is drawing job a; job b was not started' }]);
    c.get('a').finish();
    await w.sentCount(2);
    expect(w.sent[1]).toMatchObject({ type: 'scene-done', job_id: 'a' });
  });

  it('reports a job failure with its message', async () => {
    const w = fakePort();
    serveRenderWorker(w.port, async () => {
      throw new Error('ffmpeg failed to encode scene-01.mp4: boom');
    });
    w.post({ type: 'scene', job: job('a') });
    await w.sentCount(1);
    expect(w.sent).toEqual([{ type: 'failed', job_id: 'a', message: 'ffmpeg failed to encode scene-01.mp4: boom' }]);
  });

  it('sends the code of a failure the worker can name from the error: its own, ffmpeg, a full disk', async () => {
    const failures: [Error, string | undefined][] = [
      [new TaskFailure('model_missing', '"sd" is not a usable diffusion export: unet/model.onnx missing'), 'model_missing'],
      [new MediaToolError('encoding scene-01.mp4: ffmpeg exited with code 1', 1, ['Invalid argument']), 'ffmpeg_failed'],
      [new MediaToolError('encoding scene-01.mp4: ffmpeg exited with code 1', 1, ['av_interleaved_write_frame(): No space left on device']), 'disk_full'],
      [Object.assign(new Error("write '/data/x'"), { code: 'ENOSPC' }), 'disk_full'],
      [new Error('something else'), undefined],
    ];
    for (const [err, code] of failures) {
      const w = fakePort();
      serveRenderWorker(w.port, async () => {
        throw err;
      });
      w.post({ type: 'scene', job: job('a') });
      await w.sentCount(1);
      expect(w.sent[0]).toEqual({ type: 'failed', job_id: 'a', message: err.message, ...(code ? { code } : {}) });
    }
  });

  it('stops the job and exits 1 when the parent goes away', async () => {
    const w = fakePort();
    const c = controllableJobs();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'scene', job: job('a') });
    w.disconnect();
    expect(await w.exited).toBe(1);
    expect(c.get('a').cleanedUp).toBe(true);
  });

  it('exits 1 at once when the parent goes away between jobs', async () => {
    const w = fakePort();
    serveRenderWorker(w.port, controllableJobs().run);
    w.disconnect();
    expect(await w.exited).toBe(1);
  });
});
