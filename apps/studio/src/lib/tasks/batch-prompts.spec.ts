import { LIMITS } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { splitPrompts } from './batch-prompts';

describe('splitPrompts', () => {
  it('takes each non-empty line as one prompt', () => {
    expect(splitPrompts('  森林探险 \n\n\r\nA city at night\n   \n海边日落')).toEqual({ prompts: ['森林探险', 'A city at night', '海边日落'], tooLong: [], tooMany: false });
  });

  it('names the lines over the limit and says when there are too many', () => {
    const long = 'x'.repeat(LIMITS.prompt.max + 1);
    expect(splitPrompts(`ok\n${long}`).tooLong).toEqual([2]);
    const many = Array.from({ length: LIMITS.batch.max + 1 }, (_, i) => `prompt ${i}`).join('\n');
    expect(splitPrompts(many).tooMany).toBe(true);
    expect(splitPrompts('').prompts).toEqual([]);
  });
});
