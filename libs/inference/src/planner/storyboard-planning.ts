import { stat } from 'node:fs/promises';
import type { PlannedScene, PlannerRecord, SceneEditPlannerRecord, StoryboardPlan } from '@reelcraft/shared';
import { isAbortError } from '../util/abort';
import type { Planner } from './planner';
import {
  PlannerProcess,
  PlannerProcessError,
  type PlannerProcessOptions,
  type ProcessEditOptions,
  type ProcessEditResult,
  type ProcessPlanOptions,
  type ProcessPlanResult,
} from './planner-process-client';
import { parseParentToPlanner, type SceneEdit } from './planner-protocol';
import { RuleBasedPlanner } from './rule-based-planner';
import { mergeScenesByRule, splitSceneByRule } from './rule-based-scene-edits';

export interface SceneEditOutcome {
  /** rewrite and merge: the one new scene; split: the two scenes that replace the scene. Schema-valid. */
  scenes: PlannedScene[];
  /** Who wrote them, and why the LLM handed over to the rule-based version if it did. */
  report: SceneEditPlannerRecord;
  /** The planner process's figures, when the LLM answered. */
  llm?: Omit<ProcessEditResult, 'scenes'>;
}

export type SceneEditErrorCode = 'invalid' | 'needs-model' | 'llm-failed';

/**
 * A scene edit that cannot be answered: the request does not fit (`invalid`), a rewrite was asked
 * without a usable model (`needs-model`: there is no honest rule-based rewrite), or the model failed
 * a rewrite (`llm-failed`). Split and merge never fail for want of a model: they fall back.
 */
export class SceneEditError extends Error {
  override readonly name = 'SceneEditError';
  constructor(
    readonly code: SceneEditErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PlanOutcome {
  plan: StoryboardPlan;
  /** Who wrote it, and why the LLM handed over to the rule-based planner if it did. */
  report: PlannerRecord;
  /** The planner process's figures, when the LLM answered. */
  llm?: Omit<ProcessPlanResult, 'plan'>;
}

export interface ReportedPlanOptions extends Omit<ProcessPlanOptions, 'onScene'> {
  /**
   * Each scene as soon as it is written, in order. `total`: the scenes of the whole plan when known
   * at that point (the rule-based planner knows; the LLM does not announce a count), else null.
   */
  onScene?(scene: PlannedScene, total: number | null): void;
}

/** A planner that also says which planner wrote the plan. */
export interface ReportingPlanner extends Planner {
  planWithReport(prompt: string, options?: ReportedPlanOptions): Promise<PlanOutcome>;
}

export interface StoryboardPlanningOptions {
  /**
   * The GGUF to plan with now (the model registry's first usable one), or undefined. Asked before
   * every plan, so a model an operator adds or removes (and rescans) is picked up.
   */
  resolveModel(): Promise<{ name: string; path: string } | undefined>;
  /**
   * A sentence-embedding model (the registry's first usable one: its folder and ONNX file) for the
   * planner process to choose a plan's examples by meaning; asked with the model, before every plan.
   */
  resolveEmbeddings?(): Promise<{ dir: string; file: string } | undefined>;
  /** How to run the planner process (threads, time limit, idle timeout…). */
  process?: Omit<PlannerProcessOptions, 'modelPath'>;
  /** Told about every fallback from the LLM to the rule-based planner. */
  onFallback?(reason: string): void;
  /**
   * After a model fails to load, how long requests go straight to the fallback instead of loading
   * it again (unless its file changes meanwhile), ms. Default 10 minutes.
   */
  loadRetryMs?: number;
}

const LOAD_RETRY_MS = 10 * 60_000;

/** Size and modification time: a model file replaced by the operator gets a fresh try at once. */
async function fileStamp(path: string): Promise<string> {
  return stat(path).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => '',
  );
}

/**
 * The installation's storyboard planner. With a usable GGUF it plans in a separate, long-lived
 * planner process (the model loaded once and kept warm, a native crash ends that process and not
 * this one); without one it uses the rule-based planner right here (cheap, nothing to load).
 *
 * When the LLM fails (cannot load, crashes, runs out of time, breaks mid-plan) the request is not
 * failed: the scenes the LLM already wrote are kept (callers may have shown them), the rule-based
 * planner writes the rest, and the report says so with the reason. A cancel is never replaced by a
 * fallback: it rejects with an AbortError. A model that fails to load is not loaded again for
 * `loadRetryMs` (unless its file changes): meanwhile requests fall back at once, saying why.
 */
export class StoryboardPlanning implements ReportingPlanner {
  private readonly ruleBased = new RuleBasedPlanner();
  private process?: PlannerProcess;
  /**
   * The last model that could not be loaded: loading a multi-gigabyte GGUF that fails (or aborts
   * llama.cpp) costs seconds to minutes, so it is not tried on every request.
   */
  private loadFailure?: { path: string; stamp: string; until: number; reason: string };

  constructor(private readonly options: StoryboardPlanningOptions) {}

  /** The running planner process's id, if one is running (for tests and the admin view). */
  get processId(): number | undefined {
    return this.process?.pid;
  }

  async plan(prompt: string, options: ReportedPlanOptions = {}): Promise<StoryboardPlan> {
    return (await this.planWithReport(prompt, options)).plan;
  }

  async planWithReport(prompt: string, options: ReportedPlanOptions = {}): Promise<PlanOutcome> {
    const model = await this.options.resolveModel();
    if (!model) {
      await this.dropProcess();
      const plan = await this.ruleBased.plan(prompt, { signal: options.signal });
      for (const scene of plan.scenes) options.onScene?.(scene, plan.scenes.length);
      return { plan, report: { planner: 'rule-based', model: null, fallback_reason: null, llm_scenes: 0 } };
    }
    const written: PlannedScene[] = [];
    const fallBack = (reason: string): PlanOutcome => {
      this.options.onFallback?.(reason);
      const fallback = this.ruleBased.planSync(prompt);
      const rest = fallback.scenes.slice(written.length).map((s, i) => ({ ...s, scene_number: written.length + i + 1 }));
      for (const scene of rest) options.onScene?.(scene, written.length + rest.length);
      const plan: StoryboardPlan = { ...fallback, scenes: [...written, ...rest] };
      return { plan, report: { planner: 'rule-based', model: model.name, fallback_reason: reason, llm_scenes: written.length } };
    };
    const unloadable = await this.knownLoadFailure(model.path, model.name);
    if (unloadable) {
      options.signal?.throwIfAborted();
      return fallBack(unloadable);
    }
    const planner = this.processFor(model.path, await this.options.resolveEmbeddings?.());
    try {
      const { plan, ...llm } = await planner.planWithInfo(prompt, {
        ...options,
        onScene: (scene) => {
          written.push(scene);
          options.onScene?.(scene, null);
        },
      });
      // Every streamed scene is the plan's scene at that place; a scene repaired after the end of
      // the generation (a cut-short answer) arrives here.
      for (const scene of plan.scenes.slice(written.length)) options.onScene?.(scene, plan.scenes.length);
      return { plan, report: { planner: 'llm', model: model.name, fallback_reason: null, llm_scenes: plan.scenes.length }, llm };
    } catch (err) {
      if (isAbortError(err)) throw err;
      await this.noteLoadFailure(model.path, err);
      return fallBack(`the LLM planner (${model.name}) failed${written.length ? ` after ${written.length} scene(s)` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * One scene edit of the storyboard editor (rewrite, split, merge) on a window of the storyboard.
   * With a usable GGUF the LLM answers in the planner process (same queue, cancellation and time
   * limit as plans); without one, or when it fails, split and merge use the rule-based version and
   * the report says so, while a rewrite fails with a SceneEditError (never a fake rewrite). A
   * cancel rejects with an AbortError.
   */
  async editScene(edit: SceneEdit, options: ProcessEditOptions = {}): Promise<SceneEditOutcome> {
    const checked = parseParentToPlanner({ ...edit, id: 'check', timeoutMs: 1 });
    if (!checked.ok) throw new SceneEditError('invalid', `invalid scene edit: ${checked.error}`);
    const model = await this.options.resolveModel();
    if (!model) {
      await this.dropProcess();
      if (edit.type === 'rewrite') throw new SceneEditError('needs-model', 'rewriting a scene needs a language model: put a GGUF in models/llm');
      return { scenes: ruleBasedEdit(edit), report: { planner: 'rule-based', model: null, fallback_reason: null } };
    }
    const fallBack = (reason: string): SceneEditOutcome => {
      if (edit.type === 'rewrite') throw new SceneEditError('llm-failed', `could not rewrite the scene: ${reason}`);
      this.options.onFallback?.(reason);
      return { scenes: ruleBasedEdit(edit), report: { planner: 'rule-based', model: model.name, fallback_reason: reason } };
    };
    const unloadable = await this.knownLoadFailure(model.path, model.name);
    if (unloadable) {
      options.signal?.throwIfAborted();
      return fallBack(unloadable);
    }
    try {
      const { scenes, ...llm } = await this.processFor(model.path, await this.options.resolveEmbeddings?.()).editWithInfo(edit, options);
      return { scenes, report: { planner: 'llm', model: model.name, fallback_reason: null }, llm };
    } catch (err) {
      if (isAbortError(err)) throw err;
      await this.noteLoadFailure(model.path, err);
      return fallBack(`the LLM planner (${model.name}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Why the model at `path` is not loaded now: it failed to load lately and its file has not changed since. */
  private async knownLoadFailure(path: string, name: string): Promise<string | undefined> {
    const failure = this.loadFailure;
    if (!failure || failure.path !== path) return undefined;
    if (Date.now() >= failure.until || (await fileStamp(path)) !== failure.stamp) {
      this.loadFailure = undefined;
      return undefined;
    }
    const retry = new Date(failure.until).toISOString().slice(11, 16);
    return `the LLM planner (${name}) could not be loaded: ${failure.reason} (not tried again before ${retry} UTC unless the file changes)`;
  }

  private async noteLoadFailure(path: string, err: unknown): Promise<void> {
    if (!(err instanceof PlannerProcessError) || err.code !== 'load-failed') return;
    this.loadFailure = { path, stamp: await fileStamp(path), until: Date.now() + (this.options.loadRetryMs ?? LOAD_RETRY_MS), reason: err.message };
  }

  /** Stops the planner process, if one runs; queued requests fail. */
  async close(): Promise<void> {
    await this.dropProcess();
  }

  /**
   * The process for `modelPath` (and embedding model); one for other models (replaced in models/)
   * is let go. Synchronous after its arguments are known, so concurrent callers share one.
   */
  private processFor(modelPath: string, embeddings?: { dir: string; file: string }): PlannerProcess {
    const current = this.process;
    const same = current && current.options.modelPath === modelPath && current.options.embeddings?.dir === embeddings?.dir && current.options.embeddings?.file === embeddings?.file;
    if (same) return current;
    this.process = new PlannerProcess({ ...this.options.process, modelPath, ...(embeddings ? { embeddings } : {}) });
    void current?.close();
    return this.process;
  }

  private async dropProcess(): Promise<void> {
    const old = this.process;
    this.process = undefined;
    await old?.close();
  }
}

/** The deterministic split or merge (there is no rule-based rewrite). */
function ruleBasedEdit(edit: Exclude<SceneEdit, { type: 'rewrite' }>): PlannedScene[] {
  const at = (n: number) => {
    const scene = edit.context.scenes.find((s) => s.scene_number === n);
    if (!scene) throw new SceneEditError('invalid', `scene ${n} is not in the edit's context`);
    return scene;
  };
  if (edit.type === 'split') return splitSceneByRule(at(edit.sceneNumber));
  return [mergeScenesByRule(at(edit.sceneNumber), at(edit.sceneNumber + 1), edit.context.language)];
}
