import { execSync } from 'node:child_process';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleBasedPlanner, writeTinyDiffusionPipeline, writeTinyGguf } from '@reelcraft/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '@reelcraft/inference';
import { RenderQueue } from '../src/renders/render-queue';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, waitForTask, type TestApp } from '../src/testing/test-app';

const SIZE = { RENDER_WIDTH: '128', RENDER_HEIGHT: '72', RENDER_FPS: '8' };

/**
 * The product path with operator models installed: the LLM plans (tiny real GGUF, real
 * node-llama-cpp) and the ONNX diffusion pipeline renders (tiny real graphs, real onnxruntime).
 */
describe('renders with models in MODELS_DIR', () => {
  let modelsDir: string;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-model-renders-'));
    // The planner's prompt template and the storyboard need more than the default tiny context.
    await writeTinyGguf(join(modelsDir, 'llm', 'tiny.gguf'), { contextLength: 4096 });
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'tiny-sd'));
    t = await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir, RENDER_THREADS: '1' });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('plans with the LLM and renders with the diffusion pipeline into a valid MP4', async () => {
    const api = apiClient(t.baseUrl, token);
    const prompt = '海边的日落，海浪和飞鸟';
    const { json } = await api('POST', '/api/tasks', { prompt });
    const task = await waitForTask(t.baseUrl, token, json.task_id, 170_000);
    expect(task.error).toBeNull();
    expect(task.status).toBe('completed');
    // The tiny model writes nonsense, but schema-valid nonsense: not the rule-based planner's plan.
    const ruleBased = new RuleBasedPlanner().planSync(prompt).scenes.map((s) => s.description);
    expect(task.result.storyboard.map((s: { description: string }) => s.description)).not.toEqual(ruleBased);

    const probe = await probeMedia(join(t.config.dataDir, 'tasks', task.task_id, 'final.mp4'));
    const seconds = task.result.storyboard.reduce((n: number, s: { duration_sec: number }) => n + s.duration_sec, 0);
    expect(probe.video).toMatchObject({ codec: 'h264', width: 128, height: 72 });
    expect(Math.abs(probe.duration - seconds)).toBeLessThanOrEqual(0.5);
  });
});

describe('a broken model or a dead worker fails one task, never the server', () => {
  let modelsDir: string;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'reelcraft-model-faults-'));
    // Passes every signature check, but its UNet computes NaN.
    await writeTinyDiffusionPipeline(join(modelsDir, 'diffusion', 'nan-sd'), { fault: 'nan-unet' });
    t = await startTestApp(defaultTestDatabase(), { ...SIZE, MODELS_DIR: modelsDir });
    token = await login(t.baseUrl, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('fails the task with model_missing when the model scanned at start has lost a file since (no rescan)', async () => {
    const api = apiClient(t.baseUrl, token);
    const unet = join(modelsDir, 'diffusion', 'nan-sd', 'unet', 'model.onnx');
    await rename(unet, `${unet}.away`);
    try {
      const task = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
      expect(task).toMatchObject({ status: 'failed', failure_code: 'model_missing', error: expect.stringMatching(/not a usable diffusion export: unet\/model\.onnx missing/) });
      // The export by its folder's name, never the server's path to it.
      expect(task.error).not.toContain(modelsDir);
      const listed = ((await api('GET', '/api/tasks')).json.items as { task_id: string; failure_code: string | null }[]).find((x) => x.task_id === task.task_id);
      expect(listed?.failure_code).toBe('model_missing');
    } finally {
      await rename(`${unet}.away`, unet);
    }
  });

  it('fails the scene with a clear message when the model outputs NaN', async () => {
    const api = apiClient(t.baseUrl, token);
    const task = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/scene 1 failed to render with .*nan-sd: .*NaN/i);
    expect(task.failure_code).toBe('model_failed');
    expect((await api('GET', '/api/health')).json.status).toBe('ok');
  });

  it('replaces a render worker killed mid-scene and draws its scene again on the new one; the next task is fine', async () => {
    // Without a usable diffusion model the next renders are animatics.
    await rm(join(modelsDir, 'diffusion'), { recursive: true, force: true });
    const api = apiClient(t.baseUrl, token);
    expect((await api('POST', '/api/admin/models/rescan')).json.diffusion).toEqual([]);
    // The worker is killed the moment it is handed the task's first scene (the pool's job-start), so
    // the kill always lands mid-scene, however fast this machine draws (a poll of the task's progress
    // could reach it after the scene, or the whole task, was done).
    const queue = t.app.get(RenderQueue);
    let killed: { taskId: string; sceneNumber: number; pid: number } | undefined;
    const killFirst = (e: { taskId: string; sceneNumber: number; pid: number }) => {
      if (killed) return;
      killed = e;
      process.kill(e.pid, 'SIGKILL');
    };
    const starts: { taskId: string; sceneNumber: number; attempt: number }[] = [];
    const onStart = (e: { taskId: string; sceneNumber: number; attempt: number }) => starts.push(e);
    queue.pool.on('job-start', killFirst);
    queue.scenes.on('started', onStart);
    const { id, done } = await (async () => {
      const task = (await api('POST', '/api/tasks', { prompt: '城市夜景：霓虹灯、车流、雨后的街道和高楼' })).json.task_id as string;
      return { id: task, done: await waitForTask(t.baseUrl, token, task) };
    })().finally(() => {
      queue.pool.off('job-start', killFirst);
      queue.scenes.off('started', onStart);
    });
    expect(killed?.taskId).toBe(id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.scenes.every((s: { status: string }) => s.status === 'done')).toBe(true);
    // Its scene was drawn again, on a new worker.
    expect(starts.filter((s) => s.taskId === id && s.sceneNumber === killed!.sceneNumber).map((s) => s.attempt)).toEqual([1, 2]);
    expect(queue.pool.pids).not.toContain(killed!.pid);
    expect(execSync(`pgrep -P ${process.pid} -f render-worker || true`).toString().split('\n')).not.toContain(String(killed!.pid));

    const next = await waitForTask(t.baseUrl, token, (await api('POST', '/api/tasks', { prompt: 'A quiet lake' })).json.task_id);
    expect(next.status).toBe('completed');
  });
});
