import { describe, expect, it } from 'vitest';
import { PROMPT_NAME_MAX, projectNameFromPrompt } from './project-name';

describe('projectNameFromPrompt', () => {
  it('takes the first clause of a Chinese or an English prompt', () => {
    expect(projectNameFromPrompt('制作一段关于森林探险的短视频，包含河流和小动物')).toBe('制作一段关于森林探险的短视频');
    expect(projectNameFromPrompt('A lighthouse keeper in a storm. He rescues a fishing boat.')).toBe('A lighthouse keeper in a storm');
    expect(projectNameFromPrompt('  城市夜景；霓虹灯下的雨  ')).toBe('城市夜景');
    expect(projectNameFromPrompt('Line one\nline two')).toBe('Line one');
  });

  it('keeps decimals and versions whole, and skips empty leading clauses', () => {
    expect(projectNameFromPrompt('Release v2.1 teaser, 30 seconds')).toBe('Release v2.1 teaser');
    expect(projectNameFromPrompt('，，先有河流，再有森林')).toBe('先有河流');
  });

  it(`cuts a long first clause at ${PROMPT_NAME_MAX} characters with an ellipsis, counting characters rather than UTF-16 units`, () => {
    const long = '一'.repeat(60);
    expect(projectNameFromPrompt(long)).toBe(`${'一'.repeat(PROMPT_NAME_MAX - 1)}…`);
    const emoji = '🎬'.repeat(45);
    const cut = projectNameFromPrompt(emoji);
    expect([...cut]).toHaveLength(PROMPT_NAME_MAX);
    expect(cut.endsWith('🎬…')).toBe(true);
    expect(projectNameFromPrompt('a'.repeat(PROMPT_NAME_MAX))).toBe('a'.repeat(PROMPT_NAME_MAX));
  });

  it('falls back to the whole text when it is only punctuation', () => {
    expect(projectNameFromPrompt('。。。')).toBe('。。。');
  });
});
