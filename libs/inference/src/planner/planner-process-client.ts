import { basename, join } from 'node:path';
import type { PlannedScene, StoryboardPlan } from '@reelcraft/shared';
import { AbortError } from '../util/abort';
import { SupervisedChild } from '../util/supervised-child';
import { TimeoutError } from '../util/timeout';
import type { LlamaGpu } from './llama-runtime';
import type { GenerationLimits } from './plan-json-schema';
import type { PlanOptions, Planner } from './planner';
import { EDIT_RESULT_SCENES, EXAMPLE_CANDIDATES_MAX, parsePlannerToParent, type ExamplesChoice, type ParentToPlanner, type PlannerReady, type PlannerToParent, type SceneEdit } from './planner-protocol';

/** The planner process's entry file in the built package (dist/planner/planner-process.js). */
export const PLANNER_PROCESS_PATH = join(__dirname, 'planner-process.js');

export type PlannerProcessErrorCode = 'crashed' | 'load-failed' | 'closed' | 'protocol';

/** The planner process failed (not the plan): it crashed, could not load the model, or was closed. */
export class PlannerProcessError extends Error {
  override readonly name = 'PlannerProcessError';
  constructor(
    message: string,
    readonly code: PlannerProcessErrorCode,
  ) {
    super(message);
  }
}

export interface PlannerProcessOptions {
  /** A GGUF the model registry accepted. */
  modelPath: string;
  /** Default PLANNER_PROCESS_PATH; tests point it at a freshly compiled copy. */
  entryPath?: string;
  gpu?: LlamaGpu;
  threads?: number;
  contextSize?: number;
  temperature?: number;
  templatesDir?: string;
  limits?: Partial<GenerationLimits>;
  /** Time limit per request (from when the process starts it), ms. Default 120 s. */
  timeoutMs?: number;
  /** Time allowed for starting the process and loading the model, ms. Default 5 min. */
  loadTimeoutMs?: number;
  /** The process (and the model in it) goes after this long without a request, ms. Default 10 min; 0: never. */
  idleMs?: number;
  /** How long the process has to stop after a cancel or a disconnect before it is killed, ms. Default 5 s. */
  graceMs?: number;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the client says what it did (process started, stopped, crashed). */
  log?(level: 'log' | 'warn', message: string): void;
  /** A sentence-embedding model (its folder and the ONNX file in it) to choose examples by meaning. */
  embeddings?: { dir: string; file: string };
}

export interface ProcessPlanOptions extends PlanOptions {
  /** Overrides the process-wide time limit for this request. */
  timeoutMs?: number;
  seed?: number;
  examples?: readonly StoryboardPlan[];
  /** Past storyboards and their prompts, for a process with an embedding model to choose examples from. */
  exampleCandidates?: readonly { prompt: string; plan: StoryboardPlan }[];
  /** Each scene as soon as the model has finished writing it. */
  onScene?(scene: PlannedScene): void;
}

export interface ProcessPlanResult {
  plan: StoryboardPlan;
  /** File name of the GGUF that wrote the plan. */
  model: string;
  /** Time the request took in the process, ms (without any wait for the model to load). */
  planMs: number;
  tokens: number;
  /** True when this request had to start the process and load the model first. */
  coldStart: boolean;
  /** How long loading the model took in the process that answered. */
  loadMs: number;
  /** Models loaded by the process that answered: 1 however many requests it served. */
  loads: number;
  pid: number;
  /** How the plan's examples were chosen (plans only). */
  examples?: ExamplesChoice;
}

export interface ProcessEditOptions extends PlanOptions {
  /** Overrides the process-wide time limit for this request. */
  timeoutMs?: number;
  seed?: number;
}

export interface ProcessEditResult extends Omit<ProcessPlanResult, 'plan' | 'planMs'> {
  /** rewrite and merge: the one new scene; split: the two scenes that replace the scene. */
  scenes: PlannedScene[];
  /** Time the edit took in the process, ms. */
  editMs: number;
}

type Answer = Extract<PlannerToParent, { type: 'done' | 'edited' }>;

interface Child {
  proc: SupervisedChild;
  ready: Promise<PlannerReady>;
  info?: PlannerReady;
  stopping: boolean;
}

interface Request {
  id: string;
  /** What the request does, for error messages ("Planning", "Rewriting the scene"…). */
  what: string;
  /** The message that asks the process for it. */
  message(id: string, timeoutMs: number): ParentToPlanner;
  /** The answer it expects: `done` for a plan, `edited` for a scene edit. */
  expects: Answer['type'];
  options: { signal?: AbortSignal; timeoutMs?: number; onScene?(scene: PlannedScene): void };
  settled: boolean;
  coldStart: boolean;
  /** The process the request was sent to, once it has been. */
  sentTo?: Child;
  /** Resolves the caller's promise from the process's answer (throws when the answer does not fit the request). */
  answer(message: Answer, child: Child): void;
  reject(err: Error): void;
}

const EDIT_WHAT: Record<SceneEdit['type'], string> = { rewrite: 'Rewriting the scene', split: 'Splitting the scene', merge: 'Merging the scenes' };

/**
 * The parent's side of the planner process: forks it on the first request, keeps it (and the
 * loaded model) while requests come, serves them one at a time in arrival order, and lets it go
 * after `idleMs` without work. A request can be cancelled (its AbortSignal) and has a time limit;
 * a process that crashes fails the request it was serving, and the next request starts a new one.
 */
export class PlannerProcess implements Planner {
  private child?: Child;
  private readonly queue: Request[] = [];
  private current?: Request;
  private watchdog?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;
  private seq = 0;
  /** Processes started so far. */
  starts = 0;

  constructor(readonly options: PlannerProcessOptions) {}

  /** File name of the model this planner loads. */
  get model(): string {
    return basename(this.options.modelPath);
  }

  /** The process id while a process is running. */
  get pid(): number | undefined {
    return this.child?.proc.pid;
  }

  /** Requests waiting or running. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  async plan(prompt: string, options: ProcessPlanOptions = {}): Promise<StoryboardPlan> {
    return (await this.planWithInfo(prompt, options)).plan;
  }

  planWithInfo(prompt: string, options: ProcessPlanOptions = {}): Promise<ProcessPlanResult> {
    return this.request<ProcessPlanResult>('Planning', options, 'done', (id, timeoutMs) => ({
      type: 'plan',
      id,
      prompt,
      timeoutMs,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.examples?.length ? { examples: options.examples.slice(0, 3) } : {}),
      ...(options.exampleCandidates?.length ? { exampleCandidates: options.exampleCandidates.slice(0, EXAMPLE_CANDIDATES_MAX) } : {}),
    }), (message, child, request) => {
      if (message.type !== 'done') throw new Error('not a plan');
      const info = child.info!;
      return {
        plan: message.plan,
        model: info.model,
        planMs: message.ms,
        tokens: message.tokens,
        coldStart: request.coldStart,
        loadMs: info.loadMs,
        loads: message.loads,
        pid: child.proc.pid ?? 0,
        ...(message.examples ? { examples: message.examples } : {}),
      };
    });
  }

  /**
   * One scene edit of the storyboard editor (rewrite, split, merge) on a window of the storyboard,
   * served by the same warm process, in the same queue, with the same cancellation and time limit
   * as a plan.
   */
  editWithInfo(edit: SceneEdit, options: ProcessEditOptions = {}): Promise<ProcessEditResult> {
    return this.request<ProcessEditResult>(EDIT_WHAT[edit.type], options, 'edited', (id, timeoutMs) => ({
      ...edit,
      id,
      timeoutMs,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    }) as ParentToPlanner, (message, child, request) => {
      if (message.type !== 'edited') throw new Error('not a scene edit');
      const want = EDIT_RESULT_SCENES[edit.type];
      if (message.scenes.length !== want) throw new PlannerProcessError(`the planner process answered a ${edit.type} with ${message.scenes.length} scene(s) instead of ${want}`, 'protocol');
      const info = child.info!;
      return { scenes: message.scenes, model: info.model, editMs: message.ms, tokens: message.tokens, coldStart: request.coldStart, loadMs: info.loadMs, loads: message.loads, pid: child.proc.pid ?? 0 };
    });
  }

  private request<T>(
    what: string,
    options: Request['options'],
    expects: Answer['type'],
    message: Request['message'],
    toResult: (answer: Answer, child: Child, request: Request) => T,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new PlannerProcessError('the planner process has been closed', 'closed'));
    if (options.signal?.aborted) return Promise.reject(new AbortError(`${what} was aborted`));
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => this.cancel(request);
      const settle = (fn: () => void) => {
        if (request.settled) return;
        request.settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const request: Request = {
        id: `${expects === 'done' ? 'plan' : 'edit'}-${++this.seq}`,
        what,
        message,
        expects,
        options,
        settled: false,
        coldStart: false,
        answer: (answer, child) => {
          let result: T;
          try {
            result = toResult(answer, child, request);
          } catch (err) {
            return settle(() => reject(err instanceof Error ? err : new Error(String(err))));
          }
          settle(() => resolve(result));
        },
        reject: (e) => settle(() => reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(request);
      this.pump();
    });
  }

  /** Fails what is queued and stops the process (the model is unloaded with it). */
  async close(): Promise<void> {
    this.closed = true;
    this.clearIdle();
    const err = new PlannerProcessError('the planner process has been closed', 'closed');
    for (const r of this.queue.splice(0)) r.reject(err);
    this.current?.reject(err);
    if (this.child) await this.stop(this.child);
  }

  // ------------------------------------------------------------------------------------------

  private get graceMs(): number {
    return this.options.graceMs ?? 5000;
  }

  private log(level: 'log' | 'warn', message: string): void {
    this.options.log?.(level, message);
  }

  private cancel(request: Request): void {
    const i = this.queue.indexOf(request);
    if (i >= 0) {
      this.queue.splice(i, 1);
      request.reject(new AbortError(`${request.what} was aborted`));
      if (this.pending === 0) this.armIdle();
      return;
    }
    if (this.current !== request || request.settled) return;
    request.reject(new AbortError(`${request.what} was aborted`));
    const child = request.sentTo;
    if (child) {
      // The process stops the generation and answers `failed`; the next request waits for that,
      // so that one context never runs two generations. One that does not stop in time is killed.
      this.send(child, { type: 'cancel', id: request.id });
      this.arm(this.graceMs, child, null, `did not stop within ${this.graceMs} ms of a cancel`);
    }
    // Still loading: the request is dropped once the model is ready (see pump).
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) return this.armIdle();
    this.clearIdle();
    this.current = next;
    const child = this.ensureChild(next);
    child.ready.then(
      () => {
        if (this.current !== next) return;
        if (next.settled || this.child !== child) return this.release(next);
        const timeoutMs = next.options.timeoutMs ?? this.options.timeoutMs ?? 120_000;
        next.sentTo = child;
        this.send(child, next.message(next.id, timeoutMs));
        // The process enforces the limit itself; this catches one stuck in native code.
        this.arm(timeoutMs + this.graceMs, child, new TimeoutError(`${next.what} took longer than ${timeoutMs} ms and was stopped`), `ran past its time limit of ${timeoutMs} ms`);
      },
      (err: Error) => {
        if (this.current !== next) return;
        next.reject(err);
        this.release(next);
      },
    );
  }

  /** The request no longer occupies the process: start the next one. */
  private release(request: Request): void {
    if (this.current !== request) return;
    this.current = undefined;
    this.disarm();
    this.pump();
  }

  private ensureChild(request: Request): Child {
    if (this.child && !this.child.stopping) {
      request.coldStart = !this.child.info;
      return this.child;
    }
    request.coldStart = true;
    return (this.child = this.start());
  }

  private start(): Child {
    const entry = this.options.entryPath ?? PLANNER_PROCESS_PATH;
    // Supervised like the render workers: its stderr passed on, its exit reported once, stopped by disconnect then SIGKILL.
    const proc = new SupervisedChild({
      name: 'planner process',
      entryPath: entry,
      ...(this.options.execArgv ? { execArgv: this.options.execArgv } : {}),
      ...(this.options.env ? { env: this.options.env } : {}),
    });
    this.starts += 1;
    let onReady!: (info: PlannerReady) => void;
    let onLoadFailed!: (err: Error) => void;
    const child: Child = {
      proc,
      stopping: false,
      ready: new Promise<PlannerReady>((resolve, reject) => {
        onReady = resolve;
        onLoadFailed = reject;
      }),
    };
    child.ready.catch(() => undefined);
    const loadTimeoutMs = this.options.loadTimeoutMs ?? 300_000;
    const loadTimer = setTimeout(() => {
      onLoadFailed(new PlannerProcessError(`loading ${this.model} took longer than ${loadTimeoutMs} ms`, 'load-failed'));
      this.kill(child);
    }, loadTimeoutMs);
    loadTimer.unref();

    proc.on('message', (raw: unknown) => {
      const parsed = parsePlannerToParent(raw);
      if (!parsed.ok) {
        this.log('warn', `planner process ${proc.pid} sent an invalid message (${parsed.error}); stopping it`);
        this.kill(child);
        return;
      }
      const message = parsed.value;
      if (message.type === 'ready') {
        clearTimeout(loadTimer);
        child.info = message;
        this.log('log', `planner process ${proc.pid} loaded ${message.model} in ${Math.round(message.loadMs)} ms`);
        onReady(message);
      } else if (message.type === 'load-failed') {
        clearTimeout(loadTimer);
        // The process exits by itself after this; the next request starts a new one.
        if (this.child === child) this.child = undefined;
        child.stopping = true;
        onLoadFailed(new PlannerProcessError(`could not load ${this.model}: ${message.message}`, 'load-failed'));
      } else if (message.type === 'protocol-error') {
        this.log('warn', `planner process ${proc.pid}: ${message.message}`);
      } else {
        this.onAnswer(child, message);
      }
    });
    // A failed start or an IPC error ends in this exit too (the supervisor kills a child that errs).
    proc.on('exit', ({ code, signal }) => {
      clearTimeout(loadTimer);
      const how = signal ?? `exit code ${code}`;
      if (!child.stopping) this.log('warn', `planner process ${proc.pid} stopped unexpectedly (${how})`);
      // Dying while loading (llama.cpp aborts on some files) is the model failing to load, unless we stopped it.
      onLoadFailed(new PlannerProcessError(`the planner process stopped while loading ${this.model} (${how})`, child.stopping ? 'closed' : 'load-failed'));
      if (this.child === child) this.child = undefined;
      const request = this.current;
      if (request?.sentTo === child) {
        request.reject(new PlannerProcessError(`the planner process stopped unexpectedly (${how}) while ${request.expects === 'done' ? 'planning' : 'editing a scene'}`, 'crashed'));
        this.release(request);
      }
    });
    this.send(child, {
      type: 'init',
      modelPath: this.options.modelPath,
      ...(this.options.gpu !== undefined ? { gpu: this.options.gpu } : {}),
      ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
      ...(this.options.contextSize !== undefined ? { contextSize: this.options.contextSize } : {}),
      ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
      ...(this.options.templatesDir !== undefined ? { templatesDir: this.options.templatesDir } : {}),
      ...(this.options.limits !== undefined ? { limits: this.options.limits } : {}),
      ...(this.options.embeddings !== undefined ? { embeddings: this.options.embeddings } : {}),
    });
    this.log('log', `planner process ${proc.pid} started for ${this.model}`);
    return child;
  }

  private onAnswer(child: Child, message: Exclude<PlannerToParent, { type: 'ready' | 'load-failed' | 'protocol-error' }>): void {
    const request = this.current;
    // Answers to a request that is no longer current (cancelled and replaced) are stale.
    if (!request || request.sentTo !== child || request.id !== message.id) return;
    if (message.type === 'scene') {
      if (request.settled) return;
      try {
        request.options.onScene?.(message.scene);
      } catch (err) {
        this.log('warn', `a planner onScene listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
      return;
    }
    if (message.type === 'done' || message.type === 'edited') {
      if (message.type !== request.expects) request.reject(new PlannerProcessError(`the planner process answered ${message.type} to a request that expects ${request.expects}`, 'protocol'));
      else request.answer(message, child);    } else {
      const err =
        message.reason === 'cancelled'
          ? new AbortError(message.message)
          : message.reason === 'timeout'
            ? new TimeoutError(message.message)
            : new Error(message.message);
      request.reject(err);
    }
    this.release(request);
  }

  private send(child: Child, message: ParentToPlanner): void {
    child.proc.send(message);
  }

  /** Kills `child` after `ms` unless disarmed, failing the current request with `err` (when given). */
  private arm(ms: number, child: Child, err: Error | null, why: string): void {
    this.disarm();
    const request = this.current;
    this.watchdog = setTimeout(() => {
      this.log('warn', `planner process ${child.proc.pid} ${why}: killing it`);
      if (err && request) request.reject(err);
      this.kill(child);
    }, ms);
    this.watchdog.unref();
  }

  private disarm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private armIdle(): void {
    this.clearIdle();
    const idleMs = this.options.idleMs ?? 600_000;
    const child = this.child;
    if (!child || idleMs <= 0 || !Number.isFinite(idleMs)) return;
    this.idleTimer = setTimeout(() => {
      if (this.pending > 0 || this.child !== child) return;
      this.log('log', `planner process ${child.proc.pid} idle for ${idleMs} ms: unloading ${this.model}`);
      void this.stop(child);
    }, idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Asks the process to unload and exit (by disconnecting), and kills it if it lingers. */
  private async stop(child: Child): Promise<void> {
    child.stopping = true;
    if (this.child === child) this.child = undefined;
    await child.proc.stop(this.graceMs, 'the planner process was stopped');
  }

  /** Kills `child` now; the next request starts a new process. Its exit fails what it was serving. */
  private kill(child: Child): void {
    if (this.child === child) this.child = undefined;
    child.proc.kill('crashed', 'the planner process was killed');
  }
}
