import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits';
import { BatchCreateTasksBodySchema, CreateTaskBodySchema, PageQuerySchema } from './tasks';

describe('task request schemas', () => {
  it('trims a prompt and keeps Chinese text intact', () => {
    expect(CreateTaskBodySchema.parse({ prompt: '  制作一段关于森林探险的短视频  ' })).toEqual({ prompt: '制作一段关于森林探险的短视频' });
  });

  it('names the limit a prompt breaks', () => {
    const empty = CreateTaskBodySchema.safeParse({ prompt: ' ' });
    expect(empty.error?.issues[0].message).toBe('prompt must not be empty');
    const long = CreateTaskBodySchema.safeParse({ prompt: '森'.repeat(LIMITS.prompt.max + 1) });
    expect(long.error?.issues[0].message).toBe(`prompt must be at most ${LIMITS.prompt.max} characters`);
    expect(CreateTaskBodySchema.safeParse({ prompt: '森'.repeat(LIMITS.prompt.max) }).success).toBe(true);
  });

  it('refuses unknown fields and wrong types', () => {
    expect(CreateTaskBodySchema.safeParse({ prompt: 'a', admin: true }).success).toBe(false);
    expect(CreateTaskBodySchema.safeParse({ prompt: 7 }).error?.issues[0].message).toBe('prompt must be a string');
  });

  it('bounds a batch', () => {
    expect(BatchCreateTasksBodySchema.safeParse({ prompts: [] }).success).toBe(false);
    expect(BatchCreateTasksBodySchema.safeParse({ prompts: Array(LIMITS.batch.max + 1).fill('a') }).success).toBe(false);
    expect(BatchCreateTasksBodySchema.parse({ prompts: ['a', ' b '] })).toEqual({ prompts: ['a', 'b'] });
  });

  it('coerces paging from the query string with defaults and bounds', () => {
    expect(PageQuerySchema.parse({})).toEqual({ page: 1, page_size: LIMITS.page.defaultSize });
    expect(PageQuerySchema.parse({ page: '3', page_size: '5' })).toEqual({ page: 3, page_size: 5 });
    expect(PageQuerySchema.safeParse({ page_size: String(LIMITS.page.maxSize + 1) }).success).toBe(false);
  });
});
