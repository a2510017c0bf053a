import { basename } from 'node:path';
import type { PlannedScene, StoryboardPlan } from '@reelcraft/shared';
import { isAbortError } from '../util/abort';
import { LlmPlanner, type LlmCallOptions, type LlmPlanOptions } from './llm-planner';
import { EDIT_RESULT_SCENES, parseParentToPlanner, type ExamplesChoice, type PlannerInit, type PlannerToParent, type PlanRequest, type SceneEdit, type SceneEditRequest } from './planner-protocol';
import { processChildPort, type ChildPort } from '../util/child-port';
import { SentenceEmbedder } from '../embeddings/sentence-embedder';
import { chooseExamplesByMeaning } from './example-choice';

/** What the planner process needs from its process, abstracted so the logic can run without a fork. */
export type PlannerPort = ChildPort<PlannerToParent>;

/** The part of LlmPlanner the process uses; tests may load something lighter. */
export interface LoadedPlanner {
  plan(prompt: string, options: LlmPlanOptions): Promise<StoryboardPlan>;
  /** The editor's scene edits (rewrite, split, merge); a planner without them answers those requests `failed`. */
  editScenes?(edit: SceneEdit, options: LlmCallOptions): Promise<PlannedScene[]>;
  dispose(): Promise<void>;
  readonly info: { loadMs: number; threads: number; contextSize: number };
  readonly lastGeneration?: { tokens: number };
}

export type LoadPlanner = (init: PlannerInit) => Promise<LoadedPlanner>;

const loadLlm: LoadPlanner = (init) =>
  LlmPlanner.load({
    modelPath: init.modelPath,
    gpu: init.gpu,
    threads: init.threads,
    contextSize: init.contextSize,
    temperature: init.temperature,
    templatesDir: init.templatesDir,
    limits: init.limits,
  });

/**
 * The planner process: `init` loads the model once; each `plan` and scene edit (`rewrite`, `split`,
 * `merge`) runs on it (the LlmPlanner keeps them one at a time on its single context), a plan
 * streaming its scenes; `cancel` aborts one request.
 * The model stays loaded until the parent disconnects.
 */
export function servePlannerProcess(port: PlannerPort, load: LoadPlanner = loadLlm): void {
  let planner: Promise<LoadedPlanner> | undefined;
  /** The embedding model, loaded on the first plan that offers candidates; a failure is kept and reported. */
  let embedder: Promise<SentenceEmbedder> | undefined;
  let embeddingsInit: PlannerInit['embeddings'];
  let loads = 0;
  let exiting = false;
  const running = new Map<string, AbortController>();

  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    for (const c of running.values()) c.abort();
    const loaded = await planner?.catch(() => undefined);
    await loaded?.dispose().catch(() => undefined);
    await (await embedder?.catch(() => undefined))?.release().catch(() => undefined);
    port.exit(code);
  };

  const init = (message: PlannerInit) => {
    if (planner) return void port.send({ type: 'protocol-error', message: 'init was already received' });
    planner = load(message);
    embeddingsInit = message.embeddings;
    loads += 1;
    planner.then(
      (p) =>
        port.send({ type: 'ready', model: basename(message.modelPath), loadMs: p.info.loadMs, loads, threads: p.info.threads, contextSize: p.info.contextSize }),
      async (err: unknown) => {
        await port.send({ type: 'load-failed', message: err instanceof Error ? err.message : String(err) });
        await exit(1);
      },
    );
  };

  /** Runs one request on the loaded model: the same bookkeeping, cancellation and failure answers for every kind. */
  const serve = async (id: string, work: (loaded: LoadedPlanner, signal: AbortSignal) => Promise<PlannerToParent>) => {
    if (!planner) return port.send({ type: 'failed', id, reason: 'invalid', message: 'request before init' });
    if (running.has(id)) return port.send({ type: 'failed', id, reason: 'invalid', message: `request ${id} is already running` });
    const controller = new AbortController();
    running.set(id, controller);
    try {
      const loaded = await planner;
      await port.send(await work(loaded, controller.signal));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = isAbortError(err) ? 'cancelled' : err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'error';
      await port.send({ type: 'failed', id, reason, message });
    } finally {
      running.delete(id);
    }
  };

  /**
   * The examples of a plan: chosen here by meaning when there is an embedding model and the parent
   * offered candidates, else the parent's (chosen by word overlap). A model that fails to load or
   * run is reported with the answer and the parent's choice stands.
   */
  const examplesFor = async (request: PlanRequest): Promise<{ examples: StoryboardPlan[]; choice: ExamplesChoice }> => {
    const given = { examples: request.examples ?? [], choice: { by: 'parent', count: request.examples?.length ?? 0 } as ExamplesChoice };
    if (!embeddingsInit || !request.exampleCandidates?.length) return given;
    const { dir, file } = embeddingsInit;
    embedder ??= SentenceEmbedder.load(dir, file, { intraOpNumThreads: 1 });
    try {
      const examples = await chooseExamplesByMeaning(await embedder, request.prompt, request.exampleCandidates);
      return { examples, choice: { by: 'embeddings', count: examples.length } };
    } catch (err) {
      return { ...given, choice: { ...given.choice, problem: (err instanceof Error ? err.message : String(err)).slice(0, 1000) } };
    }
  };

  const plan = (request: PlanRequest) =>
    serve(request.id, async (loaded, signal) => {
      const { id } = request;
      const started = performance.now();
      const { examples, choice } = await examplesFor(request);
      signal.throwIfAborted();
      const result = await loaded.plan(request.prompt, {
        signal,
        timeoutMs: request.timeoutMs,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(examples.length ? { examples } : {}),
        onScene: (scene: PlannedScene) => {
          if (!signal.aborted) void port.send({ type: 'scene', id, scene });
        },
      });
      return { type: 'done', id, plan: result, ms: performance.now() - started, tokens: loaded.lastGeneration?.tokens ?? 0, loads, examples: choice };
    });

  const edit = (request: SceneEditRequest) =>
    serve(request.id, async (loaded, signal) => {
      const { id, timeoutMs, seed, ...rest } = request;
      if (!loaded.editScenes) throw new Error('this planner cannot edit scenes');
      const started = performance.now();
      const scenes = await loaded.editScenes(rest as SceneEdit, { signal, timeoutMs, ...(seed !== undefined ? { seed } : {}) });
      if (scenes.length !== EDIT_RESULT_SCENES[request.type]) throw new Error(`a ${request.type} must give ${EDIT_RESULT_SCENES[request.type]} scene(s), not ${scenes.length}`);
      return { type: 'edited', id, scenes, ms: performance.now() - started, tokens: loaded.lastGeneration?.tokens ?? 0, loads };
    });

  port.onMessage((raw) => {
    if (exiting) return;
    const parsed = parseParentToPlanner(raw);
    if (!parsed.ok) {
      // Answer a request we can name, so the parent does not wait for it.
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
      const message = `invalid message from parent: ${parsed.error}`;
      void port.send(id && id.length <= 100 ? { type: 'failed', id, reason: 'invalid', message } : { type: 'protocol-error', message });
      return;
    }
    const message = parsed.value;
    if (message.type === 'init') init(message);
    else if (message.type === 'plan') void plan(message);
    else if (message.type === 'rewrite' || message.type === 'split' || message.type === 'merge') void edit(message);
    else running.get(message.id)?.abort();
  });

  port.onDisconnect(() => void exit(0));
}

/** The port of a forked child process: IPC to the parent, process.exit to end. */
export function processPlannerPort(proc: NodeJS.Process = process): PlannerPort {
  return processChildPort<PlannerToParent>(proc);
}
