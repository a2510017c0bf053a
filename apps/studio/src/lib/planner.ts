/**
 * Wording for "which planner wrote this storyboard" (PlannerRecord, from the project, the task
 * and the `planner:done` event) and for the planning progress of `planner:scene`. Pure: the
 * language is a parameter, so the pages pass i18n.lang and the specs pass 'en' or 'zh'.
 */
import type { PlannerRecord } from '@reelcraft/shared';
import { translate, type Lang } from './i18n/core';

/** llm: the model wrote it all; rule: the rule-based planner by design; fallback: the LLM failed. */
export type PlannerTone = 'llm' | 'rule' | 'fallback';

export interface PlannerSummary {
  tone: PlannerTone;
  /** The one-line badge: who wrote the storyboard. */
  badge: string;
  /** After a fallback: why, and how many scenes the LLM wrote before the rule-based planner took over. */
  notice: string | null;
}

export function describePlanner(record: PlannerRecord, lang: Lang): PlannerSummary {
  const model = record.model?.trim() || null;
  const reason = record.fallback_reason?.trim() || null;
  if (reason !== null) {
    const scenes = Math.max(0, Math.floor(record.llm_scenes));
    const notice =
      scenes === 0
        ? translate(lang, 'planner_fallback_none', { reason })
        : scenes === 1
          ? translate(lang, 'planner_fallback_partial_one', { reason })
          : translate(lang, 'planner_fallback_partial_many', { count: scenes, reason });
    const badge = model ? translate(lang, 'planner_by_rule_fallback', { model }) : translate(lang, 'planner_by_rule_fallback_unnamed');
    return { tone: 'fallback', badge, notice };
  }
  if (record.planner === 'llm') {
    return { tone: 'llm', badge: model ? translate(lang, 'planner_by_llm', { model }) : translate(lang, 'planner_by_llm_unnamed'), notice: null };
  }
  // Rule-based without a fallback: no usable model was installed (model null), or one was chosen not to be used.
  return { tone: 'rule', badge: translate(lang, model ? 'planner_by_rule' : 'planner_by_rule_no_model'), notice: null };
}

/** "Planning: scene 3…" while the LLM writes (no total announced yet), "Planning: scene 3 of 5" once known; before the first scene, that the planner is writing. */
export function planningProgress(sceneNumber: number, total: number | null, lang: Lang): string {
  if (sceneNumber <= 0) return translate(lang, 'planning_started');
  if (total === null || !Number.isFinite(total) || total <= 0) return translate(lang, 'planning_scene', { n: sceneNumber });
  return translate(lang, 'planning_scene_of', { n: sceneNumber, total });
}
