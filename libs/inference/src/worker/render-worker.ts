/**
 * Entry point of the render worker: the server's pool forks this file (RENDER_WORKER_PATH) and
 * keeps it up, sending it one scene at a time, so drawing and encoding never block the server's
 * event loop, models stay loaded between scenes, and a crash here costs one scene (which the
 * server retries on a fresh worker) instead of the server. The protocol is in ./protocol.ts.
 */
import { processWorkerPort, serveRenderWorker } from './serve-render-worker';

if (typeof process.send !== 'function') {
  console.error('render-worker talks to its parent over IPC: start it with child_process.fork()');
  process.exitCode = 2;
} else {
  const port = processWorkerPort();
  process.on('uncaughtException', (err) => {
    // Last resort: tell the parent why, then go. The job state is unknown, so do not continue.
    void port.send({ type: 'failed', job_id: null, message: `render worker crashed: ${err.message}` }).then(() => port.exit(1));
  });
  serveRenderWorker(port);
}
