import { Inject, Injectable } from '@nestjs/common';
import { ModelRegistry, inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess } from '@reelcraft/inference';
import { modelCapabilities, type ModelCapabilities, type ModelEntry, type ModelsView } from '@reelcraft/shared';
import { relative, sep } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/config';

/**
 * The installation's model registry over MODELS_DIR. It only reads file headers, never loads a
 * model into this process: llama.cpp aborts natively on some broken files, and that must never
 * take the server down. ONNX sessions of a diffusion export and of an embedding model are opened
 * in a short-lived child process to check their signatures; the render worker loads models in its own process too.
 */
@Injectable()
export class ModelsService {
  private readonly registry: ModelRegistry;
  private readonly modelsDir: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.modelsDir = config.modelsDir;
    this.registry = new ModelRegistry({
      modelsDir: config.modelsDir,
      inspectDiffusion: inspectDiffusionInChildProcess(),
      inspectEmbeddings: inspectEmbeddingsInChildProcess(),
    });
  }

  private readonly listeners = new Set<(c: ModelCapabilities) => void>();

  view(): Promise<ModelsView> {
    return this.registry.view();
  }

  /** Scans MODELS_DIR again; when that changes which kinds have a usable model, the listeners hear it. */
  async rescan(): Promise<ModelsView> {
    const before = await this.registry.view().then(modelCapabilities, () => null);
    const view = await this.registry.rescan();
    const now = modelCapabilities(view);
    if (!before || before.llm !== now.llm || before.diffusion !== now.diffusion || before.embeddings !== now.embeddings) {
      for (const listener of this.listeners) listener(now);
    }
    return view;
  }

  /** Which kinds have a usable model, for every signed-in user (the studio disables what needs a missing one). */
  async capabilities(): Promise<ModelCapabilities> {
    return modelCapabilities(await this.view());
  }

  /** Called after a rescan changed the capabilities; returns the unsubscribe. */
  onChanged(listener: (c: ModelCapabilities) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The view for the console: paths relative to MODELS_DIR (what an operator copies files into),
   * never where the server keeps them on its disk, in paths and in problem texts alike.
   */
  adminView(view: ModelsView): ModelsView {
    const prefix = this.modelsDir.endsWith(sep) ? this.modelsDir : this.modelsDir + sep;
    const strip = (text: string) => text.split(prefix).join('').split(this.modelsDir).join('.');
    const entry = (e: ModelEntry): ModelEntry => ({ ...e, path: relative(this.modelsDir, e.path) || '.', problems: e.problems.map(strip) });
    return {
      ...view,
      modelsDir: 'MODELS_DIR',
      llm: view.llm.map(entry),
      diffusion: view.diffusion.map(entry),
      embeddings: view.embeddings.map(entry),
    };
  }
}
