/**
 * What a Socket.IO task event does to the TaskView a page shows. Pure: the pages' feeds apply
 * these and fetch the one task again when an event carries less than the view needs (its queue
 * place, started/finished times, which scenes were reused, the finished video).
 */
import type { RenderProgressEvent, TaskFailedEvent, TaskFinishedEvent, TaskSceneView, TaskStatusEvent, TaskView } from '@reelcraft/shared';

export type TaskEvent =
  | ({ type: 'task:status' } & TaskStatusEvent)
  | ({ type: 'render:progress' } & RenderProgressEvent)
  | ({ type: 'task:finished' } & TaskFinishedEvent)
  | ({ type: 'task:failed' } & TaskFailedEvent);

export interface Applied {
  task: TaskView;
  /** The event changed something the view holds but the event does not say (fetch the task again). */
  refetch: boolean;
}

/**
 * The scenes with `n` rendering at `progress`; null when the scene is not known yet (the plan just
 * arrived). Only that scene moves: scenes are jobs of their own and several render at once, so
 * another scene's progress says nothing about this one's end (its task:status event does).
 */
function sceneRendering(scenes: TaskSceneView[], n: number, progress: number): TaskSceneView[] | null {
  if (!scenes.some((s) => s.scene_number === n)) return null;
  return scenes.map((s) => (s.scene_number === n ? { ...s, status: progress >= 1 ? 'done' : 'rendering', progress } : s));
}

export function applyTaskEvent(task: TaskView, ev: TaskEvent): Applied {
  switch (ev.type) {
    case 'task:status':
      // A status event marks a step (started, planned, a scene done, back in the queue): the
      // scene list, queue place and ETA move with it, and only the server knows them.
      return { task: { ...task, status: ev.status, progress: ev.progress }, refetch: true };
    case 'render:progress': {
      const progress = ev.total > 0 ? Math.min(1, ev.step / ev.total) : 0;
      const scenes = sceneRendering(task.scenes, ev.scene_number, progress);
      return {
        task: { ...task, status: 'running', progress: ev.task_progress, queue_position: null, scenes: scenes ?? task.scenes },
        refetch: scenes === null || task.status !== 'running',
      };
    }
    case 'task:finished':
      return {
        task: { ...task, status: 'completed', progress: 1, queue_position: null, eta_s: null, scenes: task.scenes.map((s) => ({ ...s, status: 'done', progress: 1 })) },
        refetch: true,
      };
    case 'task:failed': {
      const cancelled = ev.error === 'cancelled';
      return {
        task: { ...task, status: cancelled ? 'cancelled' : 'failed', error: ev.error, failure_code: cancelled ? null : (ev.failure_code ?? null), queue_position: null, eta_s: null },
        refetch: true,
      };
    }
  }
}

export interface ListApplied {
  items: TaskView[];
  /** Tasks on the list that should be fetched again. */
  refetch: string[];
  /** The event is about a task that is not on the list (made elsewhere, or on another page). */
  unknown: boolean;
}

export function applyToList(items: TaskView[], ev: TaskEvent): ListApplied {
  const i = items.findIndex((t) => t.task_id === ev.task_id);
  if (i < 0) return { items, refetch: [], unknown: true };
  const { task, refetch } = applyTaskEvent(items[i]!, ev);
  const next = items.slice();
  next[i] = task;
  return { items: next, refetch: refetch ? [task.task_id] : [], unknown: false };
}

/**
 * Fetches things again by key, at most one request per key at a time: a request asked for while
 * one is in flight runs once more after it (the events in between are all covered by that one).
 */
export class Refetcher<K> {
  readonly #inFlight = new Map<K, boolean>();
  readonly #load: (key: K) => Promise<void>;

  constructor(load: (key: K) => Promise<void>) {
    this.#load = load;
  }

  request(key: K): void {
    if (this.#inFlight.has(key)) {
      this.#inFlight.set(key, true);
      return;
    }
    this.#inFlight.set(key, false);
    void this.#run(key);
  }

  async #run(key: K): Promise<void> {
    try {
      await this.#load(key);
    } catch {
      // The caller's load reports its own errors; a failed refetch waits for the next event.
    }
    const again = this.#inFlight.get(key);
    this.#inFlight.delete(key);
    if (again) this.request(key);
  }

  clear(): void {
    this.#inFlight.clear();
  }
}
