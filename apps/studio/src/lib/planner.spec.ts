import { describe, expect, it } from 'vitest';
import type { PlannerRecord } from '@reelcraft/shared';
import { describePlanner, planningProgress } from './planner';

const rec = (r: Partial<PlannerRecord>): PlannerRecord => ({ planner: 'llm', model: null, fallback_reason: null, llm_scenes: 0, ...r });

describe('describePlanner', () => {
  it('names the model the LLM planner used', () => {
    expect(describePlanner(rec({ model: 'qwen2.5-3b-q4.gguf', llm_scenes: 5 }), 'en')).toEqual({
      tone: 'llm',
      badge: 'Written by the language model (qwen2.5-3b-q4.gguf)',
      notice: null,
    });
    expect(describePlanner(rec({ model: 'm.gguf' }), 'zh').badge).toBe('由语言模型撰写（m.gguf）');
    expect(describePlanner(rec({ model: null }), 'en').badge).toBe('Written by the language model');
  });

  it('says no language model is installed when the rule-based planner ran by design', () => {
    expect(describePlanner(rec({ planner: 'rule-based' }), 'en')).toEqual({
      tone: 'rule',
      badge: 'Written by the built-in rule-based planner (no language model installed)',
      notice: null,
    });
    expect(describePlanner(rec({ planner: 'rule-based' }), 'zh').badge).toBe('由内置规则规划器撰写（未安装语言模型）');
    expect(describePlanner(rec({ planner: 'rule-based', model: 'm.gguf' }), 'en').badge).toBe('Written by the built-in rule-based planner');
  });

  it('explains a fallback mid-plan with the reason and the scenes the LLM wrote', () => {
    const s = describePlanner(rec({ planner: 'rule-based', model: 'm.gguf', fallback_reason: 'timeout', llm_scenes: 2 }), 'en');
    expect(s.tone).toBe('fallback');
    expect(s.badge).toBe('Finished by the built-in rule-based planner (the language model m.gguf failed)');
    expect(s.notice).toBe('The language model stopped after 2 scenes (timeout); the rest were written by the rule-based planner');
    expect(describePlanner(rec({ planner: 'rule-based', model: 'm.gguf', fallback_reason: 'timeout', llm_scenes: 2 }), 'zh').notice).toBe(
      '语言模型写完 2 个分镜后中止（timeout），其余分镜由规则规划器撰写',
    );
  });

  it('uses the singular for one scene and says so when the LLM wrote none', () => {
    expect(describePlanner(rec({ planner: 'rule-based', fallback_reason: 'crashed', llm_scenes: 1 }), 'en').notice).toBe(
      'The language model stopped after 1 scene (crashed); the rest were written by the rule-based planner',
    );
    const none = describePlanner(rec({ planner: 'rule-based', fallback_reason: 'failed to load', llm_scenes: 0 }), 'en');
    expect(none.notice).toBe('The language model could not write the storyboard (failed to load); the rule-based planner wrote all of it');
    expect(none.badge).toBe('Finished by the built-in rule-based planner (the language model failed)');
  });

  it('treats a blank reason as no fallback', () => {
    expect(describePlanner(rec({ planner: 'rule-based', fallback_reason: '  ' }), 'en').tone).toBe('rule');
  });
});

describe('planningProgress', () => {
  it('shows no total while the LLM writes (total null)', () => {
    expect(planningProgress(0, null, 'en')).toBe('Planning: writing the storyboard…');
    expect(planningProgress(0, null, 'zh')).toBe('正在规划：正在撰写分镜…');
    expect(planningProgress(3, null, 'en')).toBe('Planning: scene 3…');
    expect(planningProgress(3, null, 'zh')).toBe('正在规划：第 3 个分镜…');
  });
  it('shows the total once known', () => {
    expect(planningProgress(3, 5, 'en')).toBe('Planning: scene 3 of 5');
    expect(planningProgress(1, 0, 'en')).toBe('Planning: scene 1…');
  });
});
