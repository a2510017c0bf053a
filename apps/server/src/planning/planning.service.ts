import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  StoryboardPlanning,
  type PlanOutcome,
  type ProcessEditOptions,
  type ReportedPlanOptions,
  type ReportingPlanner,
  type SceneEdit,
  type SceneEditOutcome,
} from '@reelcraft/inference';
import type { StoryboardPlan } from '@reelcraft/shared';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ModelsService } from '../models/models.service';

/**
 * The server's storyboard planner (PROJECT_PLANNER, and the planner of seed-API tasks).
 *
 * With a usable GGUF in MODELS_DIR/llm (the registry's verdict, so admin rescans count) it plans in
 * the planner process of libs/inference: forked on the first request, the model loaded once and
 * kept warm, unloaded after PLANNER_IDLE_SECONDS without requests; loading a GGUF in this process
 * is never safe (llama.cpp aborts natively on some files). Without one it plans with the
 * rule-based planner in this process, which is cheap and needs nothing loaded. With a usable
 * embedding model in MODELS_DIR/embeddings too, the planner process chooses each plan's worked
 * examples among the owner's past plans by meaning (StoryboardExamples offers the candidates);
 * without one the examples are the past plans whose prompts share the most words.
 *
 * When the LLM fails (it cannot load, its process crashes, it runs past PLANNER_TIMEOUT_SECONDS,
 * it breaks mid-plan) the request falls back: the scenes the LLM wrote stay, the rule-based planner
 * writes the rest, and the outcome's report says so (stored with the project or task and sent with
 * `planner:done`). A crashed process is replaced by a fresh one on the next request; a model that
 * cannot be loaded is not tried again for ten minutes unless its file is replaced.
 */
@Injectable()
export class PlanningService implements ReportingPlanner, OnApplicationShutdown {
  private readonly logger = new Logger('Planning');
  private readonly planning: StoryboardPlanning;

  constructor(@Inject(APP_CONFIG) config: AppConfig, models: ModelsService) {
    this.planning = new StoryboardPlanning({
      resolveModel: async () => (await models.view()).llm.find((e) => e.ok),
      resolveEmbeddings: async () => {
        const entry = (await models.view()).embeddings.find((e) => e.ok);
        // The registry lists an entry's files full precision first.
        const file = (entry?.details.model as string[] | undefined)?.[0];
        return entry && file ? { dir: entry.path, file } : undefined;
      },
      process: {
        timeoutMs: config.planner.timeoutMs,
        idleMs: config.planner.idleMs,
        ...(config.render.threads ? { threads: config.render.threads } : {}),
        log: (level, message) => (level === 'warn' ? this.logger.warn(message) : this.logger.log(message)),
      },
      onFallback: (reason) => this.logger.warn(`planning with the rule-based planner: ${reason}`),
    });
  }

  /** The planner process's id while one runs (tests, diagnostics). */
  get processId(): number | undefined {
    return this.planning.processId;
  }

  plan(prompt: string, options?: ReportedPlanOptions): Promise<StoryboardPlan> {
    return this.planning.plan(prompt, options);
  }

  async planWithReport(prompt: string, options?: ReportedPlanOptions): Promise<PlanOutcome> {
    const outcome = await this.planning.planWithReport(prompt, options);
    const problem = outcome.llm?.examples?.problem;
    if (problem) this.logger.warn(`examples chosen by word overlap: the embedding model could not be used: ${problem}`);
    return outcome;
  }

  /**
   * A scene edit from the storyboard editor (rewrite, split, merge) on a window of the storyboard:
   * the LLM in the same warm planner process and queue as plans; without a usable model, or when
   * it fails, split and merge are done by rule and a rewrite fails with a SceneEditError.
   */
  editScene(edit: SceneEdit, options?: ProcessEditOptions): Promise<SceneEditOutcome> {
    return this.planning.editScene(edit, options);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.planning.close();
  }
}
