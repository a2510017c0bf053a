import { ModelRegistry } from '../models/registry';
import type { LlamaGpu } from './llama-runtime';
import { LlmPlanner, type LlmPlannerOptions } from './llm-planner';
import type { Planner } from './planner';
import { RuleBasedPlanner } from './rule-based-planner';

export interface CreatePlannerOptions extends Omit<LlmPlannerOptions, 'modelPath'> {
  /** MODELS_DIR: the first GGUF in its llm/ folder that passes the registry's checks is used. */
  modelsDir?: string;
  /** Reuse a registry the caller already scanned. */
  registry?: ModelRegistry;
  gpu?: LlamaGpu;
  /** Told why the LLM could not be used (a model that failed to load), before falling back. */
  onFallback?(reason: string): void;
}

/**
 * The planner this installation can offer: the LLM planner when models/llm/ holds a usable GGUF,
 * otherwise (or when that model fails to load) the rule-based planner, so planning always works.
 * Only files the registry passed are loaded: a GGUF missing key metadata aborts llama.cpp natively.
 */
export async function createPlanner(options: CreatePlannerOptions = {}): Promise<Planner> {
  const registry = options.registry ?? (options.modelsDir ? new ModelRegistry({ modelsDir: options.modelsDir }) : undefined);
  const entry = await registry?.usableLlm();
  if (!entry) return new RuleBasedPlanner();
  try {
    return await LlmPlanner.load({ ...options, modelPath: entry.path });
  } catch (err) {
    options.onFallback?.(`could not load ${entry.name}: ${err instanceof Error ? err.message : String(err)}`);
    return new RuleBasedPlanner();
  }
}

/** Releases a planner's native resources, if it holds any. */
export async function disposePlanner(planner: Planner): Promise<void> {
  if (planner instanceof LlmPlanner) await planner.dispose();
}
