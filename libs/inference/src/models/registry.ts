import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelEntry, ModelsView } from '@reelcraft/shared';
import { inspectDiffusionDir, type DiffusionInspector } from './diffusion-layout';
import { inspectEmbeddingsDir, type EmbeddingsInspector } from './embeddings-layout';
import { inspectGguf } from './llm-check';

export interface ModelRegistryOptions {
  modelsDir: string;
  /** The diffusion pipeline's session-level check, run on exports whose file layout is whole. */
  inspectDiffusion?: DiffusionInspector;
  /** The embedding model's session-level check, run on each model file of a whole layout. */
  inspectEmbeddings?: EmbeddingsInspector;
  /** How a `.gguf` is checked; default inspectGguf in this process (the server runs it in a child: inspectGgufInChildProcess). */
  inspectLlm?: (path: string) => Promise<ModelEntry>;
}

/** Entries of a folder, sorted by name so the view is stable; a missing folder is simply empty. */
async function list(dir: string, want: 'file' | 'dir'): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => (want === 'dir' ? e.isDirectory() : e.isFile()) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** One pass over MODELS_DIR: llm/*.gguf, diffusion/<name>/, embeddings/<name>/. */
export async function scanModels(options: ModelRegistryOptions): Promise<ModelsView> {
  const root = resolve(options.modelsDir);
  const llmDir = join(root, 'llm');
  const ggufs = (await list(llmDir, 'file')).filter((f) => f.toLowerCase().endsWith('.gguf'));
  const llm: ModelEntry[] = [];
  // One at a time: each header walk is I/O bound and real files are gigabytes on the same disk.
  const inspectLlm = options.inspectLlm ?? inspectGguf;
  for (const f of ggufs) llm.push(await inspectLlm(join(llmDir, f)));
  const diffusion: ModelEntry[] = [];
  for (const d of await list(join(root, 'diffusion'), 'dir')) diffusion.push(await inspectDiffusionDir(join(root, 'diffusion', d), options.inspectDiffusion));
  const embeddings: ModelEntry[] = [];
  for (const d of await list(join(root, 'embeddings'), 'dir')) embeddings.push(await inspectEmbeddingsDir(join(root, 'embeddings', d), options.inspectEmbeddings));
  return { modelsDir: root, scannedAt: new Date().toISOString(), llm, diffusion, embeddings };
}

/**
 * The models an operator has installed, scanned once and then served from memory; `rescan()`
 * after dropping in new files. Concurrent callers share one scan in flight.
 */
export class ModelRegistry {
  private current?: Promise<ModelsView>;
  constructor(private readonly options: ModelRegistryOptions) {}

  get modelsDir(): string {
    return resolve(this.options.modelsDir);
  }

  view(): Promise<ModelsView> {
    this.current ??= this.scan();
    return this.current;
  }

  rescan(): Promise<ModelsView> {
    this.current = this.scan();
    return this.current;
  }

  /** The first LLM that passed every check (by file name), or undefined. */
  async usableLlm(): Promise<ModelEntry | undefined> {
    return (await this.view()).llm.find((e) => e.ok);
  }

  private scan(): Promise<ModelsView> {
    const scan = scanModels(this.options);
    // A failed scan (e.g. permissions) must not stick: the next call tries again.
    scan.catch(() => {
      if (this.current === scan) this.current = undefined;
    });
    return scan;
  }
}
