import { RuleBasedPlanner, type SceneJob } from '@reelcraft/inference';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromPortable, fromPortableDone, toPortable, toPortableDone } from './portable-scene-job';

let local: SceneJob;
const job = (scene: SceneJob['scene']): SceneJob => ({
  jobId: 'j1',
  taskId: 't1',
  scene,
  title: 'T',
  caption: true,
  width: 64,
  height: 36,
  fps: 8,
  outDir: '/srv/data/tasks/t1/jobs/j1',
  diffusionDir: '/srv/models/diffusion/sd-turbo',
  chainFrom: '/srv/data/takes/k1.rgb',
  threads: 8,
  device: 'cuda',
});
const dirs = { dataDir: '/srv/data', modelsDir: '/srv/models' };

describe('scene jobs as they travel to other hosts', () => {
  beforeAll(async () => {
    local = job((await new RuleBasedPlanner().plan('清晨，白鹭飞过湖面')).scenes[0]!);
  });

  it('names folders relative to DATA_DIR and MODELS_DIR, and leaves the server’s device and threads behind', () => {
    const p = toPortable(local, dirs);
    expect(p).toMatchObject({ outDir: 'tasks/t1/jobs/j1', model: 'diffusion/sd-turbo', chainFrom: 'takes/k1.rgb' });
    expect(p).not.toHaveProperty('device');
    expect(p).not.toHaveProperty('threads');
    expect(JSON.stringify(p)).not.toContain('/srv/');
  });

  it('refuses a path outside DATA_DIR or MODELS_DIR', () => {
    expect(() => toPortable({ ...local, outDir: '/tmp/x' }, dirs)).toThrow(/not under \/srv\/data/);
    expect(() => toPortable({ ...local, diffusionDir: '/opt/model' }, dirs)).toThrow(/diffusion model/);
  });

  it('gives a worker its own paths, device and threads', () => {
    const parsed = fromPortable(toPortable(local, dirs), { outDir: '/w/j1', modelsDir: '/w/models', chainFrom: '/w/j1/chain.rgb', device: 'webgpu', threads: 2 });
    expect(parsed.ok && parsed.value).toMatchObject({ outDir: '/w/j1', diffusionDir: '/w/models/diffusion/sd-turbo', chainFrom: '/w/j1/chain.rgb', device: 'webgpu', threads: 2 });
  });

  it('refuses job data that climbs out of its folders or is not a job', () => {
    const p = toPortable(local, dirs);
    for (const bad of [{ ...p, outDir: '../etc' }, { ...p, model: '/abs/model' }, { ...p, chainFrom: 'a/../../b' }, { ...p, width: 63 }, null, 'job']) {
      expect(fromPortable(bad, { outDir: '/w/j1', modelsDir: '/w/models', chainFrom: '/w/c.rgb' }).ok).toBe(false);
    }
  });

  it('takes a scene-done back only with plain file names inside the job folder', () => {
    const clip = { path: '/w/j1/scene-02.mp4', frames: 24, duration: 3, bytes: 1000, sha256: 'a'.repeat(64), frame_rate: 8, resolution: '64x36' };
    const portable = toPortableDone({ type: 'scene-done', job_id: 'j1', scene_number: 2, clip, poster: '/w/j1/scene-02.jpg', last_frame: '/w/j1/scene-02.rgb' });
    expect(portable.clip.path).toBe('scene-02.mp4');
    const back = fromPortableDone(portable, 'j1', 2, '/srv/data/tasks/t1/jobs/j1');
    expect(back).toMatchObject({ clip: { path: '/srv/data/tasks/t1/jobs/j1/scene-02.mp4' }, poster: '/srv/data/tasks/t1/jobs/j1/scene-02.jpg' });
    for (const bad of [{ ...portable, clip: { ...portable.clip, path: '../../x.mp4' } }, { ...portable, poster: '/etc/passwd' }, { ...portable, clip: { ...portable.clip, sha256: 'zz' } }, {}]) {
      expect(fromPortableDone(bad, 'j1', 2, '/d')).toBeUndefined();
    }
  });
});
