import { Injectable, Logger } from '@nestjs/common';
import type { PlanFailureCode, PlannedScene, PlannerRecord, StoryboardPlan } from '@reelcraft/shared';
import type { TaskLook } from './task.entity';

export interface TaskEventMap {
  /** Stored and queued; fired before POST /api/tasks answers. `project_id`: a render of that existing project; `look`: the frame a seed-API task asked for. */
  created: { task_id: string; owner_id: string; prompt: string; project_id?: string; look?: TaskLook | null };
  /** The queue starts planning the task's storyboard from its prompt (again, when a restart re-runs an unplanned task). */
  planning: { task_id: string };
  /** The planner wrote one more scene (in order); `total` when the planner knows it at that point. */
  'plan-scene': { task_id: string; scene: PlannedScene; total: number | null };
  /** The storyboard is planned (stored with the task) and goes to the render worker; `report`: which planner wrote it. */
  planned: { task_id: string; plan: StoryboardPlan; report: PlannerRecord };
  /** Planning failed or was cancelled; the task fails or is cancelled with it. */
  'plan-failed': { task_id: string; error: string; code: PlanFailureCode };
  /** Deleted with its files. */
  deleted: { task_id: string };
}
type Listener<K extends keyof TaskEventMap> = (event: TaskEventMap[K]) => Promise<void> | void;

/**
 * Lets other modules follow a task's life (projects link one to each seed-API task) without the
 * render module knowing them. Listeners are awaited in turn so the caller's next step sees their
 * writes; a failing listener is logged and skipped, because the task itself did not fail.
 */
@Injectable()
export class TaskEvents {
  private readonly logger = new Logger('TaskEvents');
  private readonly listeners: { [K in keyof TaskEventMap]: Listener<K>[] } = { created: [], planning: [], 'plan-scene': [], planned: [], 'plan-failed': [], deleted: [] };

  /** Returns a function that removes the listener again. */
  on<K extends keyof TaskEventMap>(kind: K, listener: Listener<K>): () => void {
    const list = this.listeners[kind] as Listener<K>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  async emit<K extends keyof TaskEventMap>(kind: K, event: TaskEventMap[K]): Promise<void> {
    for (const listener of [...(this.listeners[kind] as Listener<K>[])]) {
      try {
        await listener(event);
      } catch (err) {
        this.logger.error(`a "${kind}" listener failed for task ${event.task_id}: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
  }
}
