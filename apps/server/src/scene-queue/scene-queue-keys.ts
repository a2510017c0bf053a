import type { RedisOptions } from 'ioredis';

/** The BullMQ queue every server instance puts scene jobs into and every render worker takes them from. */
export const SCENE_QUEUE = 'scenes';

/** The Redis names of the scene queue under a deployment's REDIS_PREFIX (several studios may share one Redis). */
export function sceneQueueKeys(prefix: string) {
  return {
    /** BullMQ's own key prefix: `${prefix}bull:scenes:…`. */
    bullPrefix: `${prefix}bull`,
    /** Where a worker publishes a job's progress and previews (pub/sub: lost when nobody listens, as a progress tick may be). */
    messages: (jobId: string) => `${prefix}scene-msg:${jobId}`,
    /** Where a server asks the worker drawing a job to stop it. */
    cancels: `${prefix}scene-cancel`,
  };
}

/** What BullMQ needs of a connection it blocks on (its docs: never give up on a request). */
export const BULL_CONNECTION: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };

/** BullMQ's job priority (1 first) from a task's (-100…100, higher first). */
export function bullPriority(taskPriority: number): number {
  return Math.min(Math.max(101 - Math.round(taskPriority), 1), 201);
}
