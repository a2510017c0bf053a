import { availableParallelism } from 'node:os';

export type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
export type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;

let runtime: Promise<NodeLlamaCpp> | undefined;

/**
 * node-llama-cpp is ESM-only (with top-level await, so even Node's require(esm) refuses it). This
 * package compiles to CommonJS with "module": "node16", under which tsc keeps `import()` a real
 * dynamic import instead of rewriting it into require().
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  runtime ??= import('node-llama-cpp');
  return runtime;
}

export type LlamaGpu = false | 'auto';
const instances = new Map<string, Promise<Llama>>();

/**
 * One native backend per GPU setting for the whole process: loading the binding takes ~0.7 s and
 * every model shares it. `build: 'never'` because this box is offline: only the prebuilt
 * binaries that came with the npm install may be used.
 */
export function getLlamaInstance(gpu: LlamaGpu): Promise<Llama> {
  const key = String(gpu);
  let instance = instances.get(key);
  if (!instance) {
    instance = loadNodeLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false }),
    );
    instance.catch(() => instances.delete(key));
    instances.set(key, instance);
  }
  return instance;
}

/**
 * llama.cpp's default of at least 4 threads oversubscribes a small box, and its spinning threads
 * then wait on each other: measured here on 2 cores, the tiny model ran 540 tokens/s on 1 thread,
 * 40 on 2 (INFERENCE-FACTS measured ~2 on the default). Half the logical cores (physical cores on SMT machines) leaves
 * room for ffmpeg and the server.
 */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(cores / 2), 16));
}
