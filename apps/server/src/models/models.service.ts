import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModelRegistry, inspectDiffusionInChildProcess, inspectEmbeddingsInChildProcess, inspectGgufInChildProcess } from '@reelcraft/inference';
import { modelCapabilities, type ModelCapabilities, type ModelEntry, type ModelsView } from '@reelcraft/shared';
import { relative, sep } from 'node:path';
import { oneLine } from '../common/one-line';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';

/** The Redis channel (after REDIS_PREFIX) on which an instance whose admin rescanned asks the others to rescan too. */
export const MODELS_RESCAN_CHANNEL = 'models:rescan';

/**
 * The installation's model registry over MODELS_DIR. It never loads a model into this process:
 * llama.cpp aborts natively on some broken files, and that must never take the server down. GGUF
 * headers are read, and ONNX sessions of a diffusion export and of an embedding model are opened,
 * in short-lived child processes; the render worker loads models in its own process too.
 */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly registry: ModelRegistry;
  private readonly modelsDir: string;
  private readonly logger = new Logger('Models');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisConnections,
  ) {
    this.modelsDir = config.modelsDir;
    this.registry = new ModelRegistry({
      modelsDir: config.modelsDir,
      inspectDiffusion: inspectDiffusionInChildProcess(),
      inspectEmbeddings: inspectEmbeddingsInChildProcess(),
      inspectLlm: inspectGgufInChildProcess(),
    });
  }

  private readonly listeners = new Set<(c: ModelCapabilities) => void>();

  view(): Promise<ModelsView> {
    return this.registry.view();
  }

  /**
   * Scaled mode: an admin's rescan reaches whichever instance served it, yet every instance plans
   * and renders from its own registry, so each one rescans when another asks. The message carries
   * only the sender's id; what is usable is each instance's own reading of its MODELS_DIR.
   */
  async onModuleInit(): Promise<void> {
    if (!this.redis.enabled) return;
    await this.redis.subscribe(MODELS_RESCAN_CHANNEL, (from) => {
      if (from === this.redis.instanceId) return;
      // Quietly: the instance that was asked announced the change to every socket (the adapter spans instances).
      this.scan(false).catch((err) => this.logger.error(`a rescan asked for by another instance failed: ${oneLine(err)}`));
    });
  }

  /**
   * Scans MODELS_DIR again, here and (scaled mode) on every other instance; when that changes which
   * kinds have a usable model, the listeners hear it.
   */
  async rescan(): Promise<ModelsView> {
    const view = await this.scan(true);
    if (this.redis.enabled) void this.redis.publish(MODELS_RESCAN_CHANNEL, this.redis.instanceId);
    return view;
  }

  private async scan(announce: boolean): Promise<ModelsView> {
    const before = await this.registry.view().then(modelCapabilities, () => null);
    const view = await this.registry.rescan();
    const now = modelCapabilities(view);
    if (announce && (!before || before.llm !== now.llm || before.diffusion !== now.diffusion || before.embeddings !== now.embeddings)) {
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
