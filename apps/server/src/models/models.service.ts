import { Inject, Injectable } from '@nestjs/common';
import { ModelRegistry, inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess } from '@reelcraft/inference';
import type { ModelsView } from '@reelcraft/shared';
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

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
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
}
