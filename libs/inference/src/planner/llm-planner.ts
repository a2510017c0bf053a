import {
  CAMERA_MOVES,
  CAMERA_SHOTS,
  LIMITS,
  type Language,
  type PlannedScene,
  type StoryboardPlan,
} from '@reelcraft/shared';
import { hashString } from '../util/hash';
import { deadline } from '../util/timeout';
import { defaultThreads, getLlamaInstance, loadNodeLlamaCpp, type LlamaGpu } from './llama-runtime';
import { DEFAULT_GENERATION_LIMITS, planJsonSchema, sceneJsonSchema, twoScenesJsonSchema, type GenerationLimits } from './plan-json-schema';
import { fallbackScene, renumber, repairPlan, repairScene } from './plan-repair';
import type { PlanOptions, Planner } from './planner';
import type { SceneEdit, SceneWindow, WindowScene } from './planner-protocol';
import { detectLanguage } from './prompt-parser';
import { fillTemplate, loadPlannerTemplate, type PlannerTemplate } from './prompt-templates';
import { RuleBasedPlanner } from './rule-based-planner';
import { SceneStreamScanner } from './scene-stream';

type NodeLlamaCpp = Awaited<ReturnType<typeof loadNodeLlamaCpp>>;
type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;
type LlamaGrammar = Awaited<ReturnType<Llama['createGrammarForJsonSchema']>>;
type ChatHistoryItem = Parameters<InstanceType<NodeLlamaCpp['LlamaChatSession']>['setChatHistory']>[0][number];

export interface LlmPlannerOptions {
  /** A GGUF file the model registry accepted (loading an unchecked one can abort the process). */
  modelPath: string;
  /** false (default): CPU only. 'auto': CUDA/Vulkan/Metal when the host has them. */
  gpu?: LlamaGpu;
  /** Evaluation threads; default from defaultThreads(). */
  threads?: number;
  /** Tokens of context; default the model's training context, at most 8192. */
  contextSize?: number;
  /** Sampling temperature; 0 is greedy (same prompt, same plan). Default 0.6. */
  temperature?: number;
  /** Default time limit per call, ms. Default 120 s. */
  timeoutMs?: number;
  /** Caps on what the model writes per field, inside LIMITS. */
  limits?: Partial<GenerationLimits>;
  /** Where the prompt templates live; default the package's templates/. */
  templatesDir?: string;
}

export interface LlmCallOptions extends PlanOptions {
  /** Overrides the planner's time limit for this call; a TimeoutError names it. */
  timeoutMs?: number;
  /** Sampling seed; default derived from the request, so a request repeats exactly. */
  seed?: number;
  temperature?: number;
}

export interface LlmPlanOptions extends LlmCallOptions {
  /** Called with each scene as soon as the model has closed its JSON object, before plan() resolves. */
  onScene?(scene: PlannedScene): void;
  /** Earlier storyboards (e.g. retrieved as similar) shown to the model as worked examples. */
  examples?: readonly StoryboardPlan[];
}

export interface GenerationStats {
  tokens: number;
  ms: number;
  tokensPerSecond: number;
  stopReason: string;
}

/** At most this many examples go into a prompt: each costs hundreds of tokens of context. */
const MAX_EXAMPLES = 3;

/**
 * Storyboard writer backed by a local GGUF model through node-llama-cpp. The model is loaded once
 * (LlmPlanner.load) and kept warm; calls run one at a time on its single context. Output is held
 * to the storyboard's JSON shape by a grammar, then repaired and validated with the shared schema,
 * so callers get the same guarantee as from the rule-based planner.
 */
export class LlmPlanner implements Planner {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly fallback = new RuleBasedPlanner();
  private readonly limits: GenerationLimits;
  private disposed = false;
  private sequence?: ReturnType<LlamaContext['getSequence']>;
  /** Measurements of the most recent generation, for logs and benchmarks. */
  lastGeneration?: GenerationStats;

  private constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly options: LlmPlannerOptions,
    /** How the model was loaded: for the admin console and the benchmarks. */
    readonly info: { modelPath: string; loadMs: number; threads: number; contextSize: number; gpu: string | false },
  ) {
    this.limits = { ...DEFAULT_GENERATION_LIMITS, ...options.limits };
  }

  static async load(options: LlmPlannerOptions): Promise<LlmPlanner> {
    const started = performance.now();
    const lib = await loadNodeLlamaCpp();
    const llama = await getLlamaInstance(options.gpu ?? false);
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const threads = options.threads ?? defaultThreads();
    try {
      const contextSize = options.contextSize ?? Math.min(model.trainContextSize || 4096, 8192);
      const context = await model.createContext({ contextSize, threads, sequences: 1 });
      const loadMs = performance.now() - started;
      return new LlmPlanner(lib, llama, model, context, options, { modelPath: options.modelPath, loadMs, threads, contextSize, gpu: llama.gpu });
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  async plan(prompt: string, options: LlmPlanOptions = {}): Promise<StoryboardPlan> {
    if (typeof prompt !== 'string' || prompt.trim() === '') throw new TypeError('prompt must be a non-empty string');
    const language = detectLanguage(prompt);
    const template = this.template(language);
    const fallback = this.fallback.planSync(prompt);
    const history: ChatHistoryItem[] = [{ type: 'system', text: this.systemText(template) }];
    for (const example of (options.examples ?? []).slice(0, MAX_EXAMPLES)) {
      history.push({ type: 'user', text: fillTemplate(template.exampleRequest, { idea: example.title }) });
      history.push({ type: 'model', response: [JSON.stringify(example)] });
    }
    const request = fillTemplate(template.request, { prompt: prompt.trim(), language });

    const rawScenes: unknown[] = [];
    const result = await this.generate({
      what: 'Planning',
      history,
      request,
      grammarKey: `plan:${language}`,
      schema: () => planJsonSchema(language, this.limits),
      root: 'plan',
      seedSource: prompt,
      options,
      onObject: (raw) => {
        if (rawScenes.length >= LIMITS.scenes.max) return;
        rawScenes.push(raw);
        options.onScene?.(repairScene(raw, rawScenes.length, fallbackScene(fallback, rawScenes.length - 1)));
      },
    });
    // The streamed scenes are the ones the caller has already seen: the plan is built from them, so
    // the two always agree, even when the generation was cut short before the JSON closed.
    return repairPlan(result.parsed, rawScenes, language, fallback);
  }

  /** The plan with scene `sceneNumber` rewritten by the model as `instruction` asks. */
  async rewriteScene(plan: StoryboardPlan, sceneNumber: number, instruction: string, options: LlmCallOptions = {}): Promise<StoryboardPlan> {
    const scene = await this.rewriteSceneIn(plan, sceneNumber, instruction, options);
    return { ...plan, scenes: renumber(plan.scenes.map((s) => (s.scene_number === sceneNumber ? scene : s))) };
  }

  /** The plan with scene `sceneNumber` split into two consecutive scenes written by the model. */
  async splitScene(plan: StoryboardPlan, sceneNumber: number, options: LlmCallOptions = {}): Promise<StoryboardPlan> {
    sceneAt(plan, sceneNumber);
    if (plan.scenes.length >= LIMITS.scenes.max) throw new RangeError(`a storyboard has at most ${LIMITS.scenes.max} scenes: cannot split another`);
    const parts = await this.splitSceneIn(plan, sceneNumber, options);
    const index = plan.scenes.findIndex((s) => s.scene_number === sceneNumber);
    return { ...plan, scenes: renumber([...plan.scenes.slice(0, index), ...parts, ...plan.scenes.slice(index + 1)]) };
  }

  /** The plan with scenes `sceneNumber` and `sceneNumber + 1` merged into one by the model. */
  async mergeScenes(plan: StoryboardPlan, sceneNumber: number, options: LlmCallOptions = {}): Promise<StoryboardPlan> {
    sceneAt(plan, sceneNumber);
    sceneAt(plan, sceneNumber + 1);
    if (plan.scenes.length <= LIMITS.scenes.min) throw new RangeError(`a storyboard has at least ${LIMITS.scenes.min} scenes: cannot merge two`);
    const merged = await this.mergeScenesIn(plan, sceneNumber, options);
    const index = plan.scenes.findIndex((s) => s.scene_number === sceneNumber);
    return { ...plan, scenes: renumber([...plan.scenes.slice(0, index), merged, ...plan.scenes.slice(index + 2)]) };
  }

  /** One scene edit of the storyboard editor on a window of the storyboard (see SceneWindow): the scene(s) that replace the edited one(s). */
  async editScenes(edit: SceneEdit, options: LlmCallOptions = {}): Promise<PlannedScene[]> {
    if (edit.type === 'rewrite') return [await this.rewriteSceneIn(edit.context, edit.sceneNumber, edit.instruction, options)];
    if (edit.type === 'split') return this.splitSceneIn(edit.context, edit.sceneNumber, options);
    return [await this.mergeScenesIn(edit.context, edit.sceneNumber, options)];
  }

  /**
   * Scene `sceneNumber` of `window` rewritten as `instruction` asks, numbered `sceneNumber`. The
   * window is any run of consecutive scenes (the scene and its neighbours): the planner's scene
   * count limits do not apply, so a scene of a 2- or 20-scene storyboard can be rewritten.
   */
  async rewriteSceneIn(window: SceneWindow, sceneNumber: number, instruction: string, options: LlmCallOptions = {}): Promise<PlannedScene> {
    const original = sceneAt(window, sceneNumber);
    if (typeof instruction !== 'string' || instruction.trim() === '') throw new TypeError('instruction must be a non-empty string');
    const template = this.template(window.language);
    const request = fillTemplate(template.rewrite, { plan: JSON.stringify(window), sceneNumber, instruction: instruction.trim() });
    const result = await this.generate({
      what: 'Rewriting the scene',
      history: [{ type: 'system', text: this.systemText(template) }],
      request,
      grammarKey: 'scene',
      schema: () => sceneJsonSchema(this.limits),
      root: 'none',
      seedSource: `${request}`,
      options,
    });
    return repairEdited(result.parsed, sceneNumber, original);
  }

  /** Scene `sceneNumber` of `window` as two consecutive scenes written by the model, numbered `sceneNumber` and the next. */
  async splitSceneIn(window: SceneWindow, sceneNumber: number, options: LlmCallOptions = {}): Promise<[PlannedScene, PlannedScene]> {
    const original = sceneAt(window, sceneNumber);
    const template = this.template(window.language);
    const request = fillTemplate(template.split, { plan: JSON.stringify(window), sceneNumber });
    const halves: unknown[] = [];
    await this.generate({
      what: 'Splitting the scene',
      history: [{ type: 'system', text: this.systemText(template) }],
      request,
      grammarKey: 'two-scenes',
      schema: () => twoScenesJsonSchema(this.limits),
      root: 'array',
      seedSource: request,
      options,
      onObject: (raw) => halves.push(raw),
    });
    const half = { ...original, duration_sec: Math.max(LIMITS.sceneDurationSec.min, Math.round(original.duration_sec / 2)) };
    return [repairEdited(halves[0], sceneNumber, half), repairEdited(halves[1], sceneNumber + 1, half)];
  }

  /** Scenes `sceneNumber` and `sceneNumber + 1` of `window` as one scene written by the model, numbered `sceneNumber`. */
  async mergeScenesIn(window: SceneWindow, sceneNumber: number, options: LlmCallOptions = {}): Promise<PlannedScene> {
    const first = sceneAt(window, sceneNumber);
    const second = sceneAt(window, sceneNumber + 1);
    const template = this.template(window.language);
    const request = fillTemplate(template.merge, { plan: JSON.stringify(window), sceneNumber, nextSceneNumber: sceneNumber + 1 });
    const result = await this.generate({
      what: 'Merging the scenes',
      history: [{ type: 'system', text: this.systemText(template) }],
      request,
      grammarKey: 'scene',
      schema: () => sceneJsonSchema(this.limits),
      root: 'none',
      seedSource: request,
      options,
    });
    const joined = {
      ...first,
      description: first.description || second.description,
      duration_sec: Math.min(LIMITS.sceneDurationSec.max, first.duration_sec + second.duration_sec),
    };
    return repairEdited(result.parsed, sceneNumber, joined);
  }

  /** Frees the context and the model. Calls already queued fail; the shared backend stays loaded. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.context.dispose();
    await this.model.dispose();
  }

  private template(language: Language): PlannerTemplate {
    return loadPlannerTemplate(language, this.options.templatesDir);
  }

  private systemText(template: PlannerTemplate): string {
    return fillTemplate(template.system, {
      maxDescription: this.limits.description,
      maxSubtitle: this.limits.subtitle,
      shots: CAMERA_SHOTS.join(', '),
      moves: CAMERA_MOVES.join(', '),
      minDuration: LIMITS.sceneDurationSec.min,
      maxDuration: LIMITS.sceneDurationSec.max,
      minScenes: LIMITS.scenes.min,
      maxScenes: LIMITS.scenes.max,
    });
  }

  private grammar(key: string, schema: () => object): Promise<LlamaGrammar> {
    let grammar = this.grammars.get(key);
    if (!grammar) {
      // The schema builders produce GbnfJsonSchema-shaped objects; their literal types are too
      // deep for node-llama-cpp's schema-to-type inference, so they are passed untyped.
      grammar = this.llama.createGrammarForJsonSchema(schema() as never) as Promise<LlamaGrammar>;
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /**
   * One grammar-constrained answer. Runs after every earlier call (one context, one sequence),
   * under a deadline that covers the wait in the queue too: a caller's time limit is wall time.
   */
  private generate(job: {
    what: string;
    history: ChatHistoryItem[];
    request: string;
    grammarKey: string;
    schema: () => object;
    root: 'plan' | 'array' | 'none';
    seedSource: string;
    options: LlmCallOptions;
    onObject?(raw: unknown): void;
  }): Promise<{ parsed: unknown; text: string }> {
    if (this.disposed) return Promise.reject(new Error('the LLM planner has been disposed'));
    const limit = deadline(job.what, job.options.signal, job.options.timeoutMs ?? this.options.timeoutMs ?? 120_000);
    const run = async () => {
      if (limit.signal.aborted) throw limit.reason();
      if (this.disposed) throw new Error('the LLM planner has been disposed');
      const grammar = await this.grammar(job.grammarKey, job.schema);
      // One sequence for the planner's life: the chat session reuses its cached prefix (the system
      // prompt) from the previous call instead of evaluating it again.
      this.sequence ??= this.context.getSequence();
      const session = new this.lib.LlamaChatSession({ contextSequence: this.sequence, autoDisposeSequence: false });
      const scanner = job.root === 'none' ? undefined : new SceneStreamScanner(job.root);
      let text = '';
      let tokens = 0;
      const started = performance.now();
      try {
        session.setChatHistory(job.history);
        const response = await session.promptWithMeta(job.request, {
          grammar,
          signal: limit.signal,
          maxTokens: this.maxTokens(job.history, job.request),
          temperature: job.options.temperature ?? this.options.temperature ?? 0.6,
          seed: job.options.seed ?? hashString(job.seedSource),
          onToken: (t) => (tokens += t.length),
          onTextChunk: (chunk) => {
            text += chunk;
            for (const raw of scanner?.push(chunk) ?? []) job.onObject?.(safeParse(raw));
          },
        });
        const ms = performance.now() - started;
        this.lastGeneration = { tokens, ms, tokensPerSecond: tokens / (ms / 1000), stopReason: response.stopReason };
        return { parsed: safeParse(text), text };
      } catch (err) {
        if (limit.signal.aborted) throw limit.reason();
        throw err;
      } finally {
        session.dispose({ disposeSequence: false });
      }
    };
    const result = this.queue.then(run, run).finally(() => limit.dispose());
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Room left in the context after the prompt, so the model never triggers a context shift (which
   * would silently drop the instructions). A cut-short answer is repaired from what arrived.
   */
  private maxTokens(history: ChatHistoryItem[], request: string): number {
    const promptText = history.map((h) => (h.type === 'model' ? h.response.join('') : typeof h.text === 'string' ? h.text : '')).join('\n') + request;
    // The chat wrapper adds role markers around each message; 32 tokens per message covers them.
    const promptTokens = this.model.tokenize(promptText).length + 32 * (history.length + 1);
    const room = this.context.contextSize - promptTokens;
    if (room < 64) throw new RangeError(`the prompt needs ${promptTokens} tokens, too many for a context of ${this.context.contextSize}`);
    return room;
  }
}

function sceneAt<S extends WindowScene>(plan: { scenes: readonly S[] }, sceneNumber: number): S {
  const scene = plan.scenes.find((s) => s.scene_number === sceneNumber);
  if (!scene) throw new RangeError(`scene ${sceneNumber} is not in the storyboard (it has ${plan.scenes.length})`);
  return scene;
}

/**
 * repairScene for an edit: the fallback is the scene being edited, whose description may be empty
 * in an edited storyboard; a model that then writes no description has produced no scene.
 */
function repairEdited(raw: unknown, sceneNumber: number, fallback: WindowScene): PlannedScene {
  try {
    return repairScene(raw, sceneNumber, fallback as PlannedScene);
  } catch {
    throw new Error('the model wrote no usable scene (no description)');
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
