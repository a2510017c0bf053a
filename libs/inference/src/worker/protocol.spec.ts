import { newScene } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { RuleBasedPlanner } from '../planner/rule-based-planner';
import { isWorkerMessage, parseParentMessage, parseRenderJob, sceneClipFileName, sceneLastFrameFileName } from './protocol';

const scene = { ...newScene({ description: 'a forest at dawn' }), scene_number: 1 };
const job = { jobId: 'j1', taskId: 't1', scene, title: '森林', caption: true, width: 640, height: 360, fps: 24, outDir: '/tmp/x' };
const runJob = { taskId: 't1', prompt: '森林', workDir: '/tmp/x', width: 640, height: 360, fps: 24 };

describe('parseParentMessage', () => {
  it('accepts a scene job and a cancel naming a job', () => {
    expect(parseParentMessage({ type: 'scene', job })).toMatchObject({ ok: true, value: { type: 'scene', job: { jobId: 'j1', scene: { description: 'a forest at dawn' } } } });
    expect(parseParentMessage({ type: 'scene', job: { ...job, seed: 42, chainFrom: '/tmp/x/scene-00.last.rgb' } })).toMatchObject({ ok: true, value: { job: { seed: 42, chainFrom: '/tmp/x/scene-00.last.rgb' } } });
    expect(parseParentMessage({ type: 'scene', job: { ...job, style: { stylePrompt: 'ink', negativePrompt: 'blur' } } })).toMatchObject({ ok: true, value: { job: { style: { stylePrompt: 'ink' } } } });
    expect(parseParentMessage({ type: 'cancel', job_id: 'j1' })).toEqual({ ok: true, value: { type: 'cancel', job_id: 'j1' } });
  });

  it('takes a thread count for model inference, within bounds', () => {
    expect(parseParentMessage({ type: 'scene', job: { ...job, threads: 2 } })).toMatchObject({ ok: true, value: { job: { threads: 2 } } });
    for (const threads of [0, 1.5, '2', 10_000]) {
      const result = parseParentMessage({ type: 'scene', job: { ...job, threads } });
      expect(!result.ok && result.error).toMatch(/threads must be an integer from 1 to 256/);
    }
  });

  it('takes the execution provider the diffusion models run on, only from the known ones', () => {
    expect(parseParentMessage({ type: 'scene', job: { ...job, device: 'webgpu' } })).toMatchObject({ ok: true, value: { job: { device: 'webgpu' } } });
    for (const device of ['gpu', '', 3]) {
      const result = parseParentMessage({ type: 'scene', job: { ...job, device } });
      expect(!result.ok && result.error).toBe('invalid scene job: device must be one of cpu, webgpu, cuda, dml, coreml');
    }
  });

  it.each([
    [null, /object/],
    ['scene', /object/],
    [{ type: 'run', job: runJob }, /unknown message type "run"/],
    [{ type: 'cancel' }, /job_id must be a non-empty string/],
    [{ type: 'scene' }, /job must be an object/],
    [{ type: 'scene', job: { ...job, jobId: '' } }, /jobId/],
    [{ type: 'scene', job: { ...job, taskId: 7 } }, /taskId/],
    [{ type: 'scene', job: { ...job, scene: { ...scene, duration_sec: 0 } } }, /scene is not a valid storyboard scene: duration_sec/],
    [{ type: 'scene', job: { ...job, title: 'x'.repeat(201) } }, /title/],
    [{ type: 'scene', job: { ...job, style: { stylePrompt: 'ink' } } }, /style/],
    [{ type: 'scene', job: { ...job, caption: 'yes' } }, /caption/],
    [{ type: 'scene', job: { ...job, outDir: 'relative/dir' } }, /outDir must be an absolute path/],
    [{ type: 'scene', job: { ...job, chainFrom: 'last.rgb' } }, /chainFrom must be an absolute path/],
    [{ type: 'scene', job: { ...job, width: 641 } }, /width must be an even integer/],
    [{ type: 'scene', job: { ...job, height: '360' } }, /height/],
    [{ type: 'scene', job: { ...job, fps: 23.976 } }, /fps/],
    [{ type: 'scene', job: { ...job, seed: 1.5 } }, /seed/],
  ])('rejects %j', (message, error) => {
    const result = parseParentMessage(message);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });
});

describe('parseRenderJob (a whole plan in one process)', () => {
  it('accepts a storyboard to render as is, never one without scenes', () => {
    const plan = new RuleBasedPlanner().planSync('森林');
    expect(parseRenderJob({ ...runJob, plan })).toMatchObject({ ok: true, value: { plan } });
    expect(parseRenderJob({ ...runJob, plan: { ...plan, scenes: plan.scenes.slice(0, 1) } })).toMatchObject({ ok: true });
    const result = parseRenderJob({ ...runJob, plan: { ...plan, scenes: [] } });
    expect(!result.ok && result.error).toMatch(/plan is not a valid storyboard: scenes/);
  });

  it.each([
    [{ ...runJob, taskId: '' }, /taskId/],
    [{ ...runJob, prompt: '   ' }, /prompt/],
    [{ ...runJob, workDir: 'relative/dir' }, /workDir/],
    [{ ...runJob, fps: 0 }, /fps/],
    [{ ...runJob, modelsDir: 'models' }, /modelsDir must be an absolute path/],
  ])('rejects %j', (value, error) => {
    const result = parseRenderJob(value);
    expect(!result.ok && result.error).toMatch(error);
  });
});

describe('worker messages', () => {
  it('recognises the worker message types', () => {
    expect(isWorkerMessage({ type: 'scene-progress', job_id: 'j', scene_number: 1, frame: 1, frames: 2 })).toBe(true);
    expect(isWorkerMessage({ type: 'failed', job_id: null, message: 'x' })).toBe(true);
    expect(isWorkerMessage({ type: 'done' })).toBe(false);
    expect(isWorkerMessage('failed')).toBe(false);
  });

  it('names clips scene-NN.mp4 and last frames scene-NN.last.rgb', () => {
    expect(sceneClipFileName(1)).toBe('scene-01.mp4');
    expect(sceneClipFileName(8)).toBe('scene-08.mp4');
    expect(sceneLastFrameFileName(12)).toBe('scene-12.last.rgb');
  });
});
