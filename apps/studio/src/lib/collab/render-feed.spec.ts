import type { TaskView } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { RenderFeed } from './render-feed.svelte';

const finished: TaskView = {
  task_id: 'task-1',
  prompt: 'Orchard',
  owner: 'olga',
  project_id: 'project-1',
  project_name: 'Lighthouse',
  status: 'completed',
  error: null,
  failure_code: null,
  progress: 1,
  planner: null,
  created_at: '2026-11-26T04:00:00.000Z',
  started_at: '2026-11-26T04:00:01.000Z',
  finished_at: '2026-11-26T04:00:09.000Z',
  priority: 0,
  queue_position: null,
  eta_s: null,
  scenes: [],
  version: null,
  result: { video_url: '/api/tasks/task-1/video', duration: 16, bytes: 1000, resolution: '640x360', storyboard: [], clips: [] },
};

describe('RenderFeed (the editor render banner state)', () => {
  it("takes the project's latest render from the API, with who started it", () => {
    const feed = new RenderFeed('project-1');
    feed.resume(finished);
    expect({ taskId: feed.taskId, taskOwner: feed.taskOwner, status: feed.status, progress: feed.progress, videoUrl: feed.videoUrl }).toEqual({
      taskId: 'task-1',
      taskOwner: 'olga',
      status: 'completed',
      progress: 1,
      videoUrl: '/api/tasks/task-1/video',
    });
  });

  it('keeps a render started here over an API answer that arrives after it', () => {
    const feed = new RenderFeed('project-1');
    feed.began('task-2', 'eddie');
    feed.resume(finished);
    expect({ taskId: feed.taskId, taskOwner: feed.taskOwner, status: feed.status, videoUrl: feed.videoUrl }).toEqual({ taskId: 'task-2', taskOwner: 'eddie', status: 'pending', videoUrl: null });
  });

  it('forgets the old render (its video, its owner) when a new one starts', () => {
    const feed = new RenderFeed('project-1');
    feed.resume({ ...finished, status: 'failed', error: 'scene 1 failed', failure_code: 'model_failed', result: null });
    expect([feed.error, feed.failureCode]).toEqual(['scene 1 failed', 'model_failed']);
    feed.began('task-3', 'olga');
    expect({ taskId: feed.taskId, status: feed.status, error: feed.error, failureCode: feed.failureCode, progress: feed.progress }).toEqual({ taskId: 'task-3', status: 'pending', error: null, failureCode: null, progress: 0 });
  });
});
