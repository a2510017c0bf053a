#!/usr/bin/env node
import { RemoteWorker } from './scene-queue/remote-worker';
import { WorkerOptionsError, workerOptions } from './scene-queue/worker-options';

/** `reelcraft-worker` (see scene-queue/remote-worker.ts and the README's scaled mode). */
async function main(): Promise<void> {
  const options = workerOptions(process.argv.slice(2), process.env);
  const log = (message: string) => console.log(`[${new Date().toISOString()}] ${message}`);
  const worker = new RemoteWorker(options, log);
  worker.onFatal = () => process.exit(3);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping; scenes in hand go back to the queue`);
    void worker.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await worker.start();
}

main().catch((err: unknown) => {
  console.error(err instanceof WorkerOptionsError ? err.message : err instanceof Error ? `reelcraft-worker cannot start: ${err.message}` : err);
  process.exit(err instanceof WorkerOptionsError ? 2 : 1);
});
