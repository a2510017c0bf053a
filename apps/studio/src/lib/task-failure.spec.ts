import { describe, expect, it } from 'vitest';
import { PLAN_FAILURE_CODES, TASK_FAILURE_CODES, type TaskFailureCode } from '@reelcraft/shared';
import { DICTIONARIES, LANGS, placeholders, type MessageKey } from './i18n/core';
import { describeTaskFailure } from './task-failure';

// Compile time: every failure code has a message key (a missing one fails type checking here and in task-failures.zh.ts).
const KEYS: { [C in TaskFailureCode]: MessageKey } = Object.fromEntries(TASK_FAILURE_CODES.map((c) => [c, `failure_${c}` as const])) as { [C in TaskFailureCode]: `failure_${C}` };

describe('task failure messages', () => {
  it('has a message for every failure code in Chinese and in English, with nothing to fill in', () => {
    expect(TASK_FAILURE_CODES.length).toBeGreaterThanOrEqual(10);
    for (const code of TASK_FAILURE_CODES) {
      for (const lang of LANGS) {
        const text = DICTIONARIES[lang][KEYS[code]];
        expect(typeof text, `${lang} ${code}`).toBe('string');
        expect(text.trim(), `${lang} ${code}`).not.toBe('');
        expect(placeholders(text), `${lang} ${code}`).toEqual([]);
      }
      expect(DICTIONARIES.zh[KEYS[code]], code).toMatch(/[\u4e00-\u9fff]/);
      expect(DICTIONARIES.zh[KEYS[code]], code).not.toBe(DICTIONARIES.en[KEYS[code]]);
    }
    for (const code of PLAN_FAILURE_CODES) expect(TASK_FAILURE_CODES).toContain(code);
  });

  it('says why in the interface language, the server’s English words only as detail', () => {
    const failure = { failure_code: 'out_of_memory', error: 'render worker exceeded its memory limit of 16 MiB (used 20 MiB)' };
    expect(describeTaskFailure(failure, 'zh')).toEqual({ code: 'out_of_memory', text: '渲染进程内存不足', detail: failure.error });
    expect(describeTaskFailure(failure, 'en')).toEqual({ code: 'out_of_memory', text: 'The render process ran out of memory', detail: failure.error });
  });

  it('reads an unknown code, or none from an older server, as the generic failure; a cancel as a cancel without detail', () => {
    expect(describeTaskFailure({ failure_code: 'brand_new_code', error: 'something new' }, 'zh')).toEqual({ code: 'render_failed', text: DICTIONARIES.zh.failure_render_failed, detail: 'something new' });
    expect(describeTaskFailure({ error: 'ffmpeg exited with code 1' }, 'en')).toMatchObject({ code: 'render_failed', detail: 'ffmpeg exited with code 1' });
    expect(describeTaskFailure({ failure_code: null, error: 'cancelled' }, 'zh')).toEqual({ code: 'cancelled', text: '已取消', detail: null });
    expect(describeTaskFailure({ failure_code: 'plan_failed', error: null }, 'zh')).toEqual({ code: 'plan_failed', text: DICTIONARIES.zh.failure_plan_failed, detail: null });
  });
});
