/**
 * Entry point of the planner process: the server forks this file (PLANNER_PROCESS_PATH) once,
 * lazily, and keeps it while it is in use, so the GGUF is loaded once and stays warm, and a native
 * abort in llama.cpp ends this process instead of the server. The protocol is in
 * ./planner-protocol.ts, the parent side in ./planner-process-client.ts.
 */
import { processPlannerPort, servePlannerProcess } from './serve-planner-process';

if (typeof process.send !== 'function') {
  console.error('planner-process talks to its parent over IPC: start it with child_process.fork()');
  process.exitCode = 2;
} else {
  const port = processPlannerPort();
  process.on('uncaughtException', (err) => {
    // The model's state is unknown after this: leave, and let the parent start a fresh process.
    console.error(`planner process crashed: ${err.stack ?? err.message}`);
    port.exit(1);
  });
  servePlannerProcess(port);
}
