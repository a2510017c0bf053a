import { describe, expect, it } from 'vitest';
import { WorkerOptionsError, workerOptions } from './worker-options';

const env = { REDIS_URL: 'redis://10.0.0.5:6379/0', REELCRAFT_SERVER_URL: 'http://studio.intranet:8000/', REELCRAFT_WORKER_TOKEN: `rcw_${'A'.repeat(43)}` };

describe('reelcraft-worker options', () => {
  it('pins a cuda:N worker to that GPU and reads the rest from the environment', () => {
    const o = workerOptions(['--device', 'cuda:1', '--slots', '2', '--models', '/srv/models'], { ...env, SCENE_JOB_LOCK_MS: '5000' });
    expect(o).toMatchObject({ device: 'cuda', gpuIndex: 1, deviceLabel: 'cuda:1', slots: 2, modelsDir: '/srv/models', serverUrl: 'http://studio.intranet:8000', lockMs: 5000, redis: { prefix: 'reelcraft:' } });
    expect(o.dataDir).toBeUndefined();
  });

  it('runs on the CPU, one slot, by default', () => {
    expect(workerOptions([], env)).toMatchObject({ device: 'cpu', deviceLabel: 'cpu', slots: 1 });
  });

  it('names every problem at once, with the usage', () => {
    let message = '';
    try {
      workerOptions(['--device', 'webgpu:3', '--slots', '0'], { REDIS_URL: 'http://x', REELCRAFT_WORKER_TOKEN: 'a-session-token' });
    } catch (err) {
      expect(err).toBeInstanceOf(WorkerOptionsError);
      message = (err as Error).message;
    }
    for (const part of ['REDIS_URL', 'REELCRAFT_SERVER_URL', 'REELCRAFT_WORKER_TOKEN', '--device', '--slots', 'usage: reelcraft-worker']) expect(message).toContain(part);
  });

  it('refuses an unknown flag', () => {
    expect(() => workerOptions(['--gpu', '0'], env)).toThrow(WorkerOptionsError);
  });
});
