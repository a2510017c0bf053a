import { basename } from 'node:path';
import type { PlannedScene, StoryboardPlan } from '@reelcraft/shared';
import { isAbortError } from '../util/abort';
import { LlmPlanner, type LlmPlanOptions } from './llm-planner';
import { parseParentToPlanner, type PlannerInit, type PlannerToParent, type PlanRequest } from './planner-protocol';

/** What the planner process needs from its process, abstracted so the logic can run without a fork. */
export interface PlannerPort {
  /** Resolves once the message has been handed to the IPC channel (or the channel is gone). */
  send(message: PlannerToParent): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away or let go of this process (idle, shutdown): unload and exit. */
  onDisconnect(listener: () => void): void;
  exit(code: number): void;
}

/** The part of LlmPlanner the process uses; tests may load something lighter. */
export interface LoadedPlanner {
  plan(prompt: string, options: LlmPlanOptions): Promise<StoryboardPlan>;
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
 * The planner process: `init` loads the model once; each `plan` runs on it (the LlmPlanner keeps
 * them one at a time on its single context), streaming scenes; `cancel` aborts one request.
 * The model stays loaded until the parent disconnects.
 */
export function servePlannerProcess(port: PlannerPort, load: LoadPlanner = loadLlm): void {
  let planner: Promise<LoadedPlanner> | undefined;
  let loads = 0;
  let exiting = false;
  const running = new Map<string, AbortController>();

  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    for (const c of running.values()) c.abort();
    const loaded = await planner?.catch(() => undefined);
    await loaded?.dispose().catch(() => undefined);
    port.exit(code);
  };

  const init = (message: PlannerInit) => {
    if (planner) return void port.send({ type: 'protocol-error', message: 'init was already received' });
    planner = load(message);
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

  const plan = async (request: PlanRequest) => {
    const { id } = request;
    if (!planner) return port.send({ type: 'failed', id, reason: 'invalid', message: 'plan before init' });
    if (running.has(id)) return port.send({ type: 'failed', id, reason: 'invalid', message: `request ${id} is already running` });
    const controller = new AbortController();
    running.set(id, controller);
    const started = performance.now();
    try {
      const loaded = await planner;
      const result = await loaded.plan(request.prompt, {
        signal: controller.signal,
        timeoutMs: request.timeoutMs,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.examples ? { examples: request.examples } : {}),
        onScene: (scene: PlannedScene) => {
          if (!controller.signal.aborted) void port.send({ type: 'scene', id, scene });
        },
      });
      await port.send({ type: 'done', id, plan: result, ms: performance.now() - started, tokens: loaded.lastGeneration?.tokens ?? 0, loads });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = isAbortError(err) ? 'cancelled' : err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'error';
      await port.send({ type: 'failed', id, reason, message });
    } finally {
      running.delete(id);
    }
  };

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
    else running.get(message.id)?.abort();
  });

  port.onDisconnect(() => void exit(0));
}

/** The port of a forked child process: IPC to the parent, process.exit to end. */
export function processPlannerPort(proc: NodeJS.Process = process): PlannerPort {
  return {
    send: (message) =>
      new Promise<void>((resolve) => {
        if (!proc.connected || !proc.send) return resolve();
        proc.send(message, undefined, {}, () => resolve());
      }),
    onMessage: (listener) => proc.on('message', listener),
    onDisconnect: (listener) => proc.on('disconnect', listener),
    exit: (code) => {
      proc.exitCode = code;
      if (proc.connected) proc.disconnect();
      setImmediate(() => proc.exit(code));
    },
  };
}
