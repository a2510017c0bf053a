import { describe, expect, it } from 'vitest';
import { RuleBasedPlanner } from '../planner/rule-based-planner';
import { isWorkerMessage, parseParentMessage, sceneClipFileName } from './protocol';

const job = { taskId: 't1', prompt: '森林', workDir: '/tmp/x', width: 640, height: 360, fps: 24 };

describe('parseParentMessage', () => {
  it('accepts run and cancel', () => {
    expect(parseParentMessage({ type: 'run', job })).toEqual({ ok: true, value: { type: 'run', job } });
    expect(parseParentMessage({ type: 'run', job: { ...job, seed: 42 } })).toMatchObject({ ok: true, value: { job: { seed: 42 } } });
    expect(parseParentMessage({ type: 'run', job: { ...job, modelsDir: '/srv/models' } })).toMatchObject({ ok: true, value: { job: { modelsDir: '/srv/models' } } });
    expect(parseParentMessage({ type: 'cancel' })).toEqual({ ok: true, value: { type: 'cancel' } });
  });

  it('accepts a storyboard to render as is', () => {
    const plan = new RuleBasedPlanner().planSync('森林');
    expect(parseParentMessage({ type: 'run', job: { ...job, plan } })).toMatchObject({ ok: true, value: { job: { plan } } });
    // An edited storyboard may have a single scene, but never none.
    expect(parseParentMessage({ type: 'run', job: { ...job, plan: { ...plan, scenes: plan.scenes.slice(0, 1) } } })).toMatchObject({ ok: true });
    const broken = { ...plan, scenes: [] };
    const result = parseParentMessage({ type: 'run', job: { ...job, plan: broken } });
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.error).toMatch(/plan is not a valid storyboard: scenes/);
  });

  it('takes a thread count for model inference, within bounds', () => {
    expect(parseParentMessage({ type: 'run', job: { ...job, threads: 2 } })).toMatchObject({ ok: true, value: { job: { threads: 2 } } });
    for (const threads of [0, 1.5, '2', 10_000]) {
      const result = parseParentMessage({ type: 'run', job: { ...job, threads } });
      expect(!result.ok && result.error).toMatch(/threads must be an integer from 1 to 256/);
    }
  });

  it('takes the execution provider the diffusion models run on, only from the known ones', () => {
    expect(parseParentMessage({ type: 'run', job: { ...job, device: 'webgpu' } })).toMatchObject({ ok: true, value: { job: { device: 'webgpu' } } });
    for (const device of ['gpu', '', 3]) {
      const result = parseParentMessage({ type: 'run', job: { ...job, device } });
      expect(!result.ok && result.error).toBe('invalid job: device must be one of cpu, webgpu, cuda, dml, coreml');
    }
  });

  it.each([
    [null, /object/],
    ['run', /object/],
    [{ type: 'go' }, /unknown message type "go"/],
    [{ type: 'run' }, /job must be an object/],
    [{ type: 'run', job: { ...job, taskId: '' } }, /taskId/],
    [{ type: 'run', job: { ...job, prompt: '   ' } }, /prompt/],
    [{ type: 'run', job: { ...job, prompt: 'x'.repeat(2001) } }, /prompt/],
    [{ type: 'run', job: { ...job, workDir: 'relative/dir' } }, /workDir/],
    [{ type: 'run', job: { ...job, width: 641 } }, /width must be an even integer/],
    [{ type: 'run', job: { ...job, height: '360' } }, /height/],
    [{ type: 'run', job: { ...job, fps: 0 } }, /fps/],
    [{ type: 'run', job: { ...job, fps: 23.976 } }, /fps/],
    [{ type: 'run', job: { ...job, seed: 1.5 } }, /seed/],
    [{ type: 'run', job: { ...job, modelsDir: 'models' } }, /modelsDir must be an absolute path/],
  ])('rejects %j', (message, error) => {
    const result = parseParentMessage(message);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });
});

describe('worker messages', () => {
  it('recognises the worker message types', () => {
    expect(isWorkerMessage({ type: 'done' })).toBe(true);
    expect(isWorkerMessage({ type: 'scene-progress', scene_number: 1, frame: 1, frames: 2 })).toBe(true);
    expect(isWorkerMessage({ type: 'run' })).toBe(false);
    expect(isWorkerMessage('done')).toBe(false);
  });

  it('names clips scene-NN.mp4', () => {
    expect(sceneClipFileName(1)).toBe('scene-01.mp4');
    expect(sceneClipFileName(8)).toBe('scene-08.mp4');
  });
});
