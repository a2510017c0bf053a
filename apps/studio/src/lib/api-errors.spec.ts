import { describe, expect, it } from 'vitest';
import { ApiRequestError, contentBlocked, errorText, networkError, parseRetryAfter, queueLimit, reasonPhrase, takeMismatch, toApiError } from './api-errors';

describe('toApiError', () => {
  it('reads an ApiError body', () => {
    const err = toApiError(409, JSON.stringify({ statusCode: 409, error: 'Conflict', message: 'task is running' }));
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err).toBeInstanceOf(Error);
    expect(err.statusCode).toBe(409);
    expect(err.error).toBe('Conflict');
    expect(err.message).toBe('task is running');
    expect(err.issues).toBeUndefined();
    expect(err.retryAfter).toBeNull();
  });

  it('keeps validation issues', () => {
    const body = {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid body',
      issues: [{ path: 'prompt', message: 'prompt must not be empty' }],
    };
    const err = toApiError(400, JSON.stringify(body));
    expect(err.issues).toEqual([{ path: 'prompt', message: 'prompt must not be empty' }]);
    expect(errorText(err)).toBe('invalid body (prompt: prompt must not be empty)');
  });

  it('joins array paths and drops malformed issues', () => {
    const err = toApiError(
      400,
      JSON.stringify({ message: 'bad', issues: [{ path: ['prompts', 2], message: 'too long' }, 'junk', { path: 'x' }] }),
    );
    expect(err.issues).toEqual([{ path: 'prompts.2', message: 'too long' }]);
  });

  it('joins an array message (class-validator style)', () => {
    const err = toApiError(400, JSON.stringify({ statusCode: 400, message: ['a is required', 'b is too long'] }));
    expect(err.message).toBe('a is required; b is too long');
    expect(err.error).toBe('Bad Request');
  });

  it('falls back to the reason phrase for an empty or non-JSON body', () => {
    expect(toApiError(502, '<html>Bad gateway</html>').message).toBe('Bad Gateway');
    expect(toApiError(500, '').message).toBe('Internal Server Error');
    expect(toApiError(404, null).error).toBe('Not Found');
    expect(toApiError(418, 'null').message).toBe('Client Error');
  });

  it('reads Retry-After on 429', () => {
    const err = toApiError(429, JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'slow down' }), '17');
    expect(err.retryAfter).toBe(17);
    expect(err.message).toBe('slow down');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(' 2.2 ')).toBe(3);
    expect(parseRetryAfter('0')).toBe(1);
  });

  it('reads an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:45 GMT', now)).toBe(45);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(1);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('-5')).toBeNull();
  });
});

describe('networkError / errorText / reasonPhrase', () => {
  it('marks a request without answer as status 0', () => {
    const err = networkError(new TypeError('Failed to fetch'));
    expect(err.statusCode).toBe(0);
    expect(err.isNetworkError).toBe(true);
    expect(err.message).toBe('Failed to fetch');
    expect(networkError('x').message).toBe('network error');
  });

  it('formats any thrown value', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    const same = toApiError(400, JSON.stringify({ message: 'x must be set', issues: [{ path: '', message: 'x must be set' }] }));
    expect(errorText(same)).toBe('x must be set');
  });

  it('knows the common reason phrases', () => {
    expect(reasonPhrase(401)).toBe('Unauthorized');
    expect(reasonPhrase(599)).toBe('Server Error');
  });
});

describe('contentBlocked', () => {
  it('reads the content filter\'s refusal of one text', () => {
    const err = toApiError(422, JSON.stringify({ statusCode: 422, error: 'Unprocessable Entity', code: 'content_blocked', message: 'blocked (category gambling)', category: 'gambling', span: { start: 2, end: 4, text: '赌博' } }));
    expect(err.code).toBe('content_blocked');
    expect(err.span).toEqual({ start: 2, end: 4, text: '赌博' });
    expect(contentBlocked(err)).toEqual({ categories: ['gambling'], texts: ['赌博'] });
  });

  it('reads a refused render\'s scenes, each category and word once', () => {
    const scenes = [
      { scene_id: 'a', scene_number: 1, field: 'subtitle', category: 'gambling', start: 0, end: 2, text: '赌博' },
      { scene_id: 'b', scene_number: 2, field: 'description', category: 'drugs', start: 0, end: 2, text: '毒品' },
      { scene_id: 'c', scene_number: 3, field: 'description', category: 'gambling', start: 0, end: 2, text: '赌博' },
    ];
    const err = toApiError(422, JSON.stringify({ code: 'content_blocked', message: 'x', category: 'gambling', span: { start: 0, end: 2, text: '赌博' }, scenes }));
    expect(contentBlocked(err)).toEqual({ categories: ['gambling', 'drugs'], texts: ['赌博', '毒品'] });
  });

  it('is null for any other error', () => {
    expect(contentBlocked(toApiError(422, JSON.stringify({ message: 'bad' })))).toBeNull();
    expect(contentBlocked(new Error('x'))).toBeNull();
    expect(toApiError(400, JSON.stringify({ code: 42, span: 'x' })).code).toBeUndefined();
  });
});

describe('refusals the studio says in its own words', () => {
  it("reads the queued-task limit from the server's 429", () => {
    const err = toApiError(429, JSON.stringify({ statusCode: 429, error: 'Too Many Requests', message: 'you have 3 task(s) waiting or rendering and may have at most 3: wait for some to finish' }));
    expect(queueLimit(err)).toEqual({ queued: 3, max: 3 });
    expect(queueLimit(toApiError(429, JSON.stringify({ message: 'too many tasks waiting or rendering' })))).toEqual({});
    expect(queueLimit(toApiError(429, JSON.stringify({ message: 'too many sign-in attempts' })))).toBeNull();
    expect(queueLimit(new Error('you have 3 task(s) waiting or rendering'))).toBeNull();
  });

  it("reads what a take was drawn at from the server's 409", () => {
    const err = toApiError(409, JSON.stringify({ message: 'this take was drawn at 4 s, 640×360, 24 fps; the scene is now 5 s, 640×360, 24 fps' }));
    expect(takeMismatch(err)).toEqual({ take: '4 s · 640×360 · 24 fps', scene: '5 s · 640×360 · 24 fps' });
    expect(takeMismatch(toApiError(409, JSON.stringify({ message: 'a render of this project is running' })))).toBeNull();
  });
});
