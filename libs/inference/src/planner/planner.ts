import type { StoryboardPlan } from '@reelcraft/shared';

export interface PlanOptions {
  /** Stops planning early; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Writes a storyboard from an idea. The rule-based planner implements it today; an LLM planner
 * (node-llama-cpp, JSON-schema output) will implement the same interface, so callers never care
 * which one answered. Every implementation returns a plan that passes StoryboardPlanSchema.
 */
export interface Planner {
  plan(prompt: string, options?: PlanOptions): Promise<StoryboardPlan>;
}
