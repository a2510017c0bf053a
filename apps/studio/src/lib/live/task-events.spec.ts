import type { TaskView } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { Refetcher, applyTaskEvent, applyToList } from './task-events';

const base: TaskView = {
  task_id: 't1',
  prompt: 'Orchard',
  owner: 'olga',
  project_id: 'p1',
  project_name: 'Forest walk',
  status: 'running',
  error: null,
  failure_code: null,
  progress: 0.25,
  planner: null,
  created_at: '2026-11-26T04:00:00.000Z',
  started_at: '2026-11-26T04:00:01.000Z',
  finished_at: null,
  priority: 0,
  queue_position: null,
  eta_s: 30,
  scenes: [
    { scene_number: 1, scene_id: 's1', status: 'done', cached: true, take_id: 'k1', progress: 1, start_sec: 0, poster_url: '/api/tasks/t1/scenes/1/poster.jpg' },
    { scene_number: 2, scene_id: 's2', status: 'rendering', cached: false, take_id: null, progress: 0.5, start_sec: 4, poster_url: null },
    { scene_number: 3, scene_id: 's3', status: 'pending', cached: false, take_id: null, progress: 0, start_sec: 8, poster_url: null },
  ],
  version: null,
  result: null,
};
const ids = { project_id: 'p1', task_id: 't1' };

describe('applyTaskEvent', () => {
  it('moves the scene being drawn along with a progress event, and asks for nothing', () => {
    const { task, refetch } = applyTaskEvent(base, { type: 'render:progress', ...ids, scene_number: 2, step: 9, total: 12, eta_s: 1, task_progress: 0.6 });
    expect(refetch).toBe(false);
    expect(task.progress).toBe(0.6);
    expect(task.scenes.map((s) => [s.status, s.progress])).toEqual([['done', 1], ['rendering', 0.75], ['pending', 0]]);
  });

  it('lets scenes render side by side: one scene’s progress leaves the others as they are', () => {
    const { task } = applyTaskEvent(base, { type: 'render:progress', ...ids, scene_number: 3, step: 1, total: 10, eta_s: null, task_progress: 0.7 });
    expect(task.scenes.map((s) => [s.status, s.progress])).toEqual([['done', 1], ['rendering', 0.5], ['rendering', 0.1]]);
    // Its last step ends it.
    const after = applyTaskEvent(task, { type: 'render:progress', ...ids, scene_number: 2, step: 12, total: 12, eta_s: null, task_progress: 0.8 }).task;
    expect(after.scenes.map((s) => s.status)).toEqual(['done', 'done', 'rendering']);
  });

  it('fetches the task when a scene it does not know yet (the plan just arrived) makes progress', () => {
    const { refetch } = applyTaskEvent({ ...base, scenes: [] }, { type: 'render:progress', ...ids, scene_number: 1, step: 1, total: 10, eta_s: null, task_progress: 0.05 });
    expect(refetch).toBe(true);
  });

  it('takes a status and asks for the rest (queue place, scenes, times)', () => {
    const { task, refetch } = applyTaskEvent({ ...base, status: 'pending', queue_position: 2 }, { type: 'task:status', ...ids, status: 'running', progress: 0 });
    expect({ status: task.status, progress: task.progress, refetch }).toEqual({ status: 'running', progress: 0, refetch: true });
  });

  it('finishes every scene at once, and fetches the video', () => {
    const { task, refetch } = applyTaskEvent(base, { type: 'task:finished', ...ids, video_url: '/api/tasks/t1/video', duration: 12 });
    expect(task.status).toBe('completed');
    expect(task.progress).toBe(1);
    expect(task.scenes.every((s) => s.status === 'done')).toBe(true);
    expect(refetch).toBe(true);
  });

  it('tells a cancel from a failure, and keeps the failure code', () => {
    const cancelled = applyTaskEvent(base, { type: 'task:failed', ...ids, error: 'cancelled', failure_code: 'cancelled' }).task;
    expect([cancelled.status, cancelled.failure_code]).toEqual(['cancelled', null]);
    const failed = applyTaskEvent(base, { type: 'task:failed', ...ids, error: 'ffmpeg exited with 1', failure_code: 'ffmpeg_failed' }).task;
    expect([failed.status, failed.error, failed.failure_code]).toEqual(['failed', 'ffmpeg exited with 1', 'ffmpeg_failed']);
  });
});

describe('applyToList', () => {
  it('changes only the task the event is about', () => {
    const other = { ...base, task_id: 't2' };
    const r = applyToList([other, base], { type: 'task:status', ...ids, status: 'running', progress: 0.5 });
    expect(r.items[0]).toBe(other);
    expect(r.items[1]!.progress).toBe(0.5);
    expect(r.refetch).toEqual(['t1']);
    expect(r.unknown).toBe(false);
  });

  it('says when the task is not on the list', () => {
    const items = [base];
    const r = applyToList(items, { type: 'task:status', project_id: 'p9', task_id: 'new', status: 'running', progress: 0 });
    expect(r).toEqual({ items, refetch: [], unknown: true });
  });
});

describe('Refetcher', () => {
  it('runs one request per key at a time, and once more for whatever was asked meanwhile', async () => {
    const calls: string[] = [];
    const pending: (() => void)[] = [];
    const r = new Refetcher<string>((key) => {
      calls.push(key);
      return new Promise<void>((resolve) => pending.push(resolve));
    });
    r.request('a');
    r.request('a');
    r.request('a');
    r.request('b');
    expect(calls).toEqual(['a', 'b']);
    pending.shift()!();
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toEqual(['a', 'b', 'a']);
    pending.shift()!();
    pending.shift()!();
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toEqual(['a', 'b', 'a']);
  });
});
