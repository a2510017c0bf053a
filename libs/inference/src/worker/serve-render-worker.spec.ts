import { describe, expect, it } from 'vitest';
import { RuleBasedPlanner } from '../planner/rule-based-planner';
import { AbortError } from '../util/abort';
import type { WorkerMessage } from './protocol';
import type { RenderJobHooks } from './run-render-job';
import { serveRenderWorker, type RunJob, type WorkerPort } from './serve-render-worker';

const job = { taskId: 't1', prompt: '森林', workDir: '/tmp/reelcraft-fake', width: 64, height: 36, fps: 4 };

/** An in-memory port: what the worker sends, when it exits, and a way to talk to it. */
function fakePort() {
  const sent: WorkerMessage[] = [];
  let onMessage: (m: unknown) => void = () => undefined;
  let onDisconnect: () => void = () => undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const port: WorkerPort = {
    send: async (m) => {
      sent.push(m);
    },
    onMessage: (l) => (onMessage = l),
    onDisconnect: (l) => (onDisconnect = l),
    exit: (code) => resolveExit(code),
  };
  return { port, sent, exited, post: (m: unknown) => onMessage(m), disconnect: () => onDisconnect() };
}

/** A job that reports like the real one but only finishes when told, or when aborted. */
function controllableJob() {
  let hooks!: RenderJobHooks;
  let finish!: () => void;
  let cleanedUp = false;
  const run: RunJob = (_job, h) => {
    hooks = h;
    return new Promise((resolve, reject) => {
      finish = () => resolve(undefined);
      h.signal?.addEventListener('abort', () => {
        // Simulates the encoder's cleanup taking a moment after the abort.
        setTimeout(() => {
          cleanedUp = true;
          reject(new AbortError('Rendering was aborted'));
        }, 20);
      });
    });
  };
  return { run, hooks: () => hooks, finish: () => finish(), cleanedUp: () => cleanedUp };
}

describe('serveRenderWorker', () => {
  it('runs a job and reports planned, progress, scene-done and done, then exits 0', async () => {
    const w = fakePort();
    const c = controllableJob();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'run', job });
    const plan = new RuleBasedPlanner().planSync('森林');
    c.hooks().onPlanned?.(plan);
    c.hooks().onSceneProgress?.({ scene_number: 1, frame: 4, frames: 16 });
    const clip = { path: '/tmp/x/scene-01.mp4', frames: 16, duration: 4, bytes: 1, sha256: 'ab', frame_rate: 4, resolution: '64x36' };
    c.hooks().onSceneDone?.({ scene_number: 1, clip });
    c.finish();
    expect(await w.exited).toBe(0);
    expect(w.sent).toEqual([
      { type: 'planned', plan },
      { type: 'scene-progress', scene_number: 1, frame: 4, frames: 16 },
      { type: 'scene-done', scene_number: 1, clip },
      { type: 'done' },
    ]);
  });

  it('answers an invalid message with failed and exits 1', async () => {
    const w = fakePort();
    serveRenderWorker(w.port, controllableJob().run);
    w.post({ type: 'run', job: { ...job, width: 63 } });
    expect(await w.exited).toBe(1);
    expect(w.sent).toEqual([{ type: 'failed', message: expect.stringMatching(/invalid message from parent: invalid job: width/) }]);
  });

  it('cancels a running job: reports after the job has cleaned up, exits 0', async () => {
    const w = fakePort();
    const c = controllableJob();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'run', job });
    w.post({ type: 'cancel' });
    expect(await w.exited).toBe(0);
    expect(c.cleanedUp()).toBe(true);
    expect(w.sent).toEqual([{ type: 'failed', message: 'cancelled', cancelled: true }]);
  });

  it('fails the job on a protocol error while running, after stopping it', async () => {
    const w = fakePort();
    const c = controllableJob();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'run', job });
    w.post({ type: 'run', job });
    expect(await w.exited).toBe(1);
    expect(c.cleanedUp()).toBe(true);
    expect(w.sent).toEqual([{ type: 'failed', message: 'a job is already running in this worker' }]);
  });

  it('reports a job failure with its message', async () => {
    const w = fakePort();
    serveRenderWorker(w.port, async () => {
      throw new Error('ffmpeg failed to encode scene-01.mp4: boom');
    });
    w.post({ type: 'run', job });
    expect(await w.exited).toBe(1);
    expect(w.sent).toEqual([{ type: 'failed', message: 'ffmpeg failed to encode scene-01.mp4: boom' }]);
  });

  it('stops the job and exits 1 when the parent goes away', async () => {
    const w = fakePort();
    const c = controllableJob();
    serveRenderWorker(w.port, c.run);
    w.post({ type: 'run', job });
    w.disconnect();
    expect(await w.exited).toBe(1);
    expect(c.cleanedUp()).toBe(true);
  });

  it('treats a cancel before any run as a finished cancel', async () => {
    const w = fakePort();
    serveRenderWorker(w.port, controllableJob().run);
    w.post({ type: 'cancel' });
    expect(await w.exited).toBe(0);
    expect(w.sent).toEqual([{ type: 'failed', message: 'cancelled', cancelled: true }]);
  });
});
