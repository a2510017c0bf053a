import { Inject, Injectable } from '@nestjs/common';
import { ModelRegistry } from '@reelcraft/inference';
import type { ModelsView } from '@reelcraft/shared';
import { APP_CONFIG, type AppConfig } from '../config/config';

/**
 * The installation's model registry over MODELS_DIR. It only reads file headers, never loads a
 * model into this process: llama.cpp aborts natively on some broken files, and that must never
 * take the server down (the render worker loads models in its own process).
 */
@Injectable()
export class ModelsService {
  private readonly registry: ModelRegistry;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.registry = new ModelRegistry({ modelsDir: config.modelsDir });
  }

  view(): Promise<ModelsView> {
    return this.registry.view();
  }

  rescan(): Promise<ModelsView> {
    return this.registry.rescan();
  }
}
