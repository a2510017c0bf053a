import { FINAL_TASK_STATUSES, type TaskStatus } from '@reelcraft/shared';

/** How often task views refresh while something is still moving. */
export const ACTIVE_POLL_MS = 1500;
/** How often the list refreshes when everything is final (picks up tasks made elsewhere). */
export const IDLE_POLL_MS = 15000;

export function isFinal(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.includes(status);
}

/** True while any task may still change by itself. */
export function needsPolling(tasks: readonly { status: TaskStatus }[]): boolean {
  return tasks.some((t) => !isFinal(t.status));
}

/** Delay before the next list refresh. */
export function nextPollDelay(tasks: readonly { status: TaskStatus }[]): number {
  return needsPolling(tasks) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
}
