/**
 * Whether each planner button of a scene card (Rewrite…, Split, Merge with next) can be used, and
 * if not, why (its tooltip): no button that can only fail. Rewriting needs a usable language model
 * (there is no honest rule-based rewrite); split and merge fall back to rules without one, so the
 * model never disables them.
 */
import { LIMITS } from '@reelcraft/shared';
import type { MessageKey } from '$lib/i18n/core';

export interface SceneAssistInput {
  readOnly: boolean;
  locked: boolean;
  /** A planner call of this card is in flight. */
  busy: boolean;
  /** Whether the server has a usable language model; null while unknown (then nothing is disabled for it). */
  llm: boolean | null;
  /** Position of the scene (0-based) and number of scenes. */
  index: number;
  count: number;
  hasDescription: boolean;
  nextLocked: boolean;
}

export interface AssistButton {
  disabled: boolean;
  /** The tooltip: why it is disabled, or what it does. */
  title: MessageKey;
}

export interface SceneAssist {
  rewrite: AssistButton;
  split: AssistButton;
  merge: AssistButton;
}

export function sceneAssist(s: SceneAssistInput): SceneAssist {
  const blocked = s.readOnly || s.locked || s.busy;
  const lockedTitle = (title: MessageKey): MessageKey => (s.locked ? 'scene_edit_locked' : title);
  const noModel = s.llm === false;
  return {
    rewrite: { disabled: blocked || noModel, title: s.locked ? 'scene_edit_locked' : noModel ? 'scene_rewrite_needs_model' : 'scene_rewrite_title' },
    split: { disabled: blocked || s.count >= LIMITS.storyboard.scenes.max || !s.hasDescription, title: lockedTitle('scene_split_title') },
    merge: { disabled: blocked || s.index >= s.count - 1 || s.nextLocked, title: lockedTitle('scene_merge_title') },
  };
}
