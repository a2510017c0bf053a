import { Inject, Injectable } from '@nestjs/common';
import { ModelRegistry, inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess } from '@reelcraft/inference';
import type { ModelEntry, ModelsView } from '@reelcraft/shared';
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

  view(): Promise<ModelsView> {
    return this.registry.view();
  }

  rescan(): Promise<ModelsView> {
    return this.registry.rescan();
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
