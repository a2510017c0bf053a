import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ScenePlacement } from './scene-consumer';
import type { ServerLink } from './server-link';

/**
 * Scene files of a worker host that does not mount the servers' DATA_DIR: each job is drawn into
 * a folder of its own under the worker's work folder, a chained scene's start frame is fetched
 * from the servers first, and the clip, poster and last frame are uploaded when it is drawn.
 */
export function uploadPlacement(workDir: string, link: ServerLink): ScenePlacement {
  const folder = (jobId: string) => join(workDir, jobId);
  return {
    async prepare(jobId, job, signal) {
      const outDir = folder(jobId);
      // A retried job may find its earlier attempt's leftovers here: start clean.
      await rm(outDir, { recursive: true, force: true });
      await mkdir(outDir, { recursive: true });
      if (!job.chainFrom) return { outDir };
      const chainFrom = join(outDir, 'chain-from.rgb');
      await link.downloadChainFrame(jobId, chainFrom, signal);
      return { outDir, chainFrom };
    },
    async deliver(jobId, _job, done, signal) {
      // The clip last: once the clip is there, the poster and last frame it names are too.
      if (done.poster) await link.upload(jobId, done.poster, basename(done.poster), signal);
      if (done.last_frame) await link.upload(jobId, done.last_frame, basename(done.last_frame), signal);
      await link.upload(jobId, done.clip.path, basename(done.clip.path), signal, done.clip.sha256);
    },
    async cleanUp(jobId) {
      await rm(folder(jobId), { recursive: true, force: true });
    },
  };
}
