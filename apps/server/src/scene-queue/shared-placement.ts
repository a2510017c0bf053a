import { join } from 'node:path';
import type { ScenePlacement } from './scene-consumer';

/**
 * Scene files drawn straight into the servers' shared DATA_DIR: a server's own render workers, or
 * a worker host that mounts the same volume (`reelcraft-worker --data-dir`). Nothing to hand back.
 */
export function sharedPlacement(dataDir: string): ScenePlacement {
  return {
    async prepare(_jobId, job) {
      return { outDir: join(dataDir, job.outDir), ...(job.chainFrom ? { chainFrom: join(dataDir, job.chainFrom) } : {}) };
    },
    async deliver() {},
    // The folder is the job's answer: the server that queued the job moves its files into the takes.
    async cleanUp() {},
  };
}
