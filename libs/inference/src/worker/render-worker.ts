/**
 * Entry point of the render worker: the server forks this file (RENDER_WORKER_PATH) once per
 * job, so planning, drawing and encoding never block the server's event loop, and a crash here
 * fails one job instead of the server. The protocol is in ./protocol.ts.
 */
import { processWorkerPort, serveRenderWorker } from './serve-render-worker';

if (typeof process.send !== 'function') {
  console.error('render-worker talks to its parent over IPC: start it with child_process.fork()');
  process.exitCode = 2;
} else {
  const port = processWorkerPort();
  process.on('uncaughtException', (err) => {
    // Last resort: tell the parent why, then go. The job state is unknown, so do not continue.
    void port.send({ type: 'failed', message: `render worker crashed: ${err.message}` }).then(() => port.exit(1));
  });
  serveRenderWorker(port);
}
