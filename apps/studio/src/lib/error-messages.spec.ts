import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, apiErrorParamNames, type ApiErrorCode } from '@reelcraft/shared';
import { networkError, toApiError } from './api-errors';
import { describeError, errorLine } from './error-messages';
import { DICTIONARIES, LANGS, placeholders, type MessageKey } from './i18n/core';

// Compile time: every code has a message key (a missing one fails type checking here and in core.ts).
const KEYS: { [C in ApiErrorCode]: MessageKey } = Object.fromEntries(API_ERROR_CODES.map((c) => [c, `error_${c}` as const])) as { [C in ApiErrorCode]: `error_${C}` };

const answer = (status: number, body: Record<string, unknown>) => toApiError(status, JSON.stringify({ statusCode: status, ...body }));

describe('error-code messages', () => {
  it('has a message for every code in Chinese and in English, naming only the params the server sends', () => {
    expect(API_ERROR_CODES.length).toBeGreaterThan(50);
    for (const code of API_ERROR_CODES) {
      for (const lang of LANGS) {
        const text = DICTIONARIES[lang][KEYS[code]];
        expect(typeof text, `${lang} ${code}`).toBe('string');
        expect(text.trim(), `${lang} ${code}`).not.toBe('');
        expect(placeholders(text), `${lang} ${code}`).toEqual([...apiErrorParamNames(code)].sort());
      }
      // The Chinese message is Chinese, not the English one copied.
      expect(DICTIONARIES.zh[KEYS[code]], code).toMatch(/[\u4e00-\u9fff]/);
      expect(DICTIONARIES.zh[KEYS[code]], code).not.toBe(DICTIONARIES.en[KEYS[code]]);
    }
  });

  it('shows the rewrite refusal in the interface language, the server’s words only as detail', () => {
    const err = answer(409, { error: 'Conflict', code: 'model_missing', message: 'rewriting a scene needs a language model: put a GGUF in models/llm' });
    const zh = describeError(err, 'zh');
    expect(zh).toEqual({ code: 'model_missing', text: DICTIONARIES.zh.error_model_missing, detail: 'rewriting a scene needs a language model: put a GGUF in models/llm' });
    expect(zh.text).toMatch(/语言模型/);
    expect(errorLine(err, 'zh')).toBe(zh.text);
    expect(describeError(err, 'en').text).toBe(DICTIONARIES.en.error_model_missing);
  });

  it('fills the message with the answer’s params', () => {
    const err = answer(409, { code: 'scene_locked', params: { scene: 2 }, message: 'scene 2 is locked: unlock it first' });
    expect(describeError(err, 'zh').text).toBe('分镜 2 已锁定，请先解锁');
    expect(describeError(err, 'en').text).toBe('Scene 2 is locked: unlock it first');
    const full = answer(429, { code: 'queue_full', params: { queued: 3, max: 3 }, message: 'you have 3 task(s) waiting or rendering and may have at most 3: wait for some to finish' });
    expect(describeError(full, 'zh').text).toBe('你已有 3 个任务在等待或渲染，最多 3 个：请等部分任务完成');
  });

  it('falls back to the status’s message when a param is missing, and to the status for an answer without a code', () => {
    const noParams = answer(409, { code: 'scene_locked', message: 'scene 4 is locked: unlock it first' });
    expect(describeError(noParams, 'zh')).toMatchObject({ code: 'conflict', text: DICTIONARIES.zh.error_conflict, detail: 'scene 4 is locked: unlock it first' });
    const proxy = toApiError(502, '<html>bad gateway</html>');
    expect(describeError(proxy, 'zh')).toMatchObject({ code: 'unavailable', text: DICTIONARIES.zh.error_unavailable });
    const unknown = answer(404, { code: 'no_such_code_yet', message: 'no widget 7' });
    expect(describeError(unknown, 'en')).toMatchObject({ code: 'not_found', detail: 'no widget 7' });
  });

  it('keeps the server’s words on the line where the message alone says little (validation, generic codes)', () => {
    const invalid = answer(400, { code: 'invalid_input', message: 'fps: must be a number', issues: [{ path: 'fps', message: 'must be a number' }] });
    expect(errorLine(invalid, 'zh')).toBe('输入有误（fps: must be a number）');
    expect(errorLine(invalid, 'en')).toBe('Some input is not valid (fps: must be a number)');
    const empty = answer(400, { code: 'prompt_empty', message: 'prompt: prompt must not be empty', issues: [{ path: 'prompt', message: 'prompt must not be empty' }] });
    expect(errorLine(empty, 'zh')).toBe(DICTIONARIES.zh.error_prompt_empty);
  });

  it('says what the content filter blocked, and that the server could not be reached', () => {
    const blocked = answer(422, { code: 'content_blocked', category: 'violence', span: { start: 0, end: 2, text: 'xx' }, message: 'blocked' });
    expect(describeError(blocked, 'en').text).toContain('“xx”');
    expect(describeError(blocked, 'en').code).toBe('content_blocked');
    expect(describeError(networkError(new Error('fetch failed')), 'zh')).toEqual({ code: null, text: DICTIONARIES.zh.network_error, detail: 'fetch failed' });
  });
});
