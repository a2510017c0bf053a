import { describe, expect, it } from 'vitest';
import { LIMITS } from '@reelcraft/shared';
import { sceneAssist, type SceneAssistInput } from './scene-assist';

const base: SceneAssistInput = { readOnly: false, locked: false, busy: false, llm: true, index: 0, count: 3, hasDescription: true, nextLocked: false };

describe('sceneAssist', () => {
  it('disables Rewrite… without a language model and says why; split and merge fall back to rules', () => {
    const a = sceneAssist({ ...base, llm: false });
    expect(a.rewrite).toEqual({ disabled: true, title: 'scene_rewrite_needs_model' });
    expect(a.split).toEqual({ disabled: false, title: 'scene_split_title' });
    expect(a.merge).toEqual({ disabled: false, title: 'scene_merge_title' });
  });

  it('enables Rewrite… once a model is there, and while that is not known yet', () => {
    expect(sceneAssist(base).rewrite).toEqual({ disabled: false, title: 'scene_rewrite_title' });
    expect(sceneAssist({ ...base, llm: null }).rewrite).toEqual({ disabled: false, title: 'scene_rewrite_title' });
  });

  it('names the lock before the model, and disables everything while locked, read-only or busy', () => {
    const locked = sceneAssist({ ...base, locked: true, llm: false });
    for (const b of [locked.rewrite, locked.split, locked.merge]) expect(b).toEqual({ disabled: true, title: 'scene_edit_locked' });
    for (const s of [{ readOnly: true }, { busy: true }]) {
      const a = sceneAssist({ ...base, ...s });
      expect([a.rewrite.disabled, a.split.disabled, a.merge.disabled]).toEqual([true, true, true]);
    }
  });

  it('keeps split and merge to what can be done: a description to split, room for a scene, an unlocked next scene', () => {
    expect(sceneAssist({ ...base, hasDescription: false }).split.disabled).toBe(true);
    expect(sceneAssist({ ...base, count: LIMITS.storyboard.scenes.max }).split.disabled).toBe(true);
    expect(sceneAssist({ ...base, index: 2 }).merge.disabled).toBe(true);
    expect(sceneAssist({ ...base, nextLocked: true }).merge.disabled).toBe(true);
  });
});
