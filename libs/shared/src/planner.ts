/**
 * Which planner wrote a storyboard, stored with the project and the task and announced with
 * `planner:done`, so that a fallback from the LLM to the rule-based planner is never silent.
 */
export const PLANNER_KINDS = ['llm', 'rule-based'] as const;
export type PlannerKind = (typeof PLANNER_KINDS)[number];

export interface PlannerRecord {
  /** The planner that finished the storyboard. */
  planner: PlannerKind;
  /** The GGUF file (models/llm/…) the LLM planner used or tried to use; null without a usable one. */
  model: string | null;
  /**
   * Why the rule-based planner took over from the LLM (it failed to load, crashed, ran out of time
   * or broke mid-plan); null when no fallback happened (including "no model installed").
   */
  fallback_reason: string | null;
  /** Scenes the LLM wrote (kept as they are; after a fallback the rule-based planner wrote the rest). */
  llm_scenes: number;
}

/** Which planner answered a scene edit (rewrite, split, merge) asked from the storyboard editor. */
export interface SceneEditPlannerRecord {
  /** 'llm' when the model wrote the result; 'rule-based' for the deterministic split or merge. */
  planner: PlannerKind;
  /** The GGUF file the LLM used or tried to use; null without a usable one. */
  model: string | null;
  /** Why the rule-based version was used although a model is installed (the LLM failed); else null. */
  fallback_reason: string | null;
}
