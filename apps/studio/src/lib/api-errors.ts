import type { ApiError } from '@reelcraft/shared';

/** What the studio knows about a failed API call: the server's ApiError plus transport details. */
export class ApiRequestError extends Error implements ApiError {
  readonly statusCode: number;
  readonly error: string;
  readonly issues?: { path: string; message: string }[];
  /** A stable machine code (libs/shared API_ERROR_CODES) where the server gave one. */
  readonly code?: string;
  /** Values the code's translated message names (`{scene}`…). */
  readonly params?: Record<string, string | number>;
  /** `content_blocked`: the category and the span the content filter blocked. */
  readonly category?: string;
  readonly span?: ApiError['span'];
  readonly scenes?: ApiError['scenes'];
  /** Seconds to wait before retrying (from Retry-After on 429/503), when the server said so. */
  readonly retryAfter: number | null;

  constructor(init: ApiError & { retryAfter?: number | null }) {
    super(init.message);
    this.name = 'ApiRequestError';
    this.statusCode = init.statusCode;
    this.error = init.error;
    this.issues = init.issues;
    this.code = init.code;
    this.params = init.params;
    this.category = init.category;
    this.span = init.span;
    this.scenes = init.scenes;
    this.retryAfter = init.retryAfter ?? null;
  }

  /** 0 means the request never got an answer (network down, server gone). */
  get isNetworkError(): boolean {
    return this.statusCode === 0;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The standard reason phrase of a status code, or a generic one. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : status >= 400 ? 'Client Error' : 'Error');
}

/**
 * Reads a Retry-After header: either delta-seconds or an HTTP date.
 * Returns whole seconds (at least 1), or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.max(1, Math.ceil(Number(text)));
  if (!/^[A-Za-z]{3},/.test(text)) return null; // HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT"
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readIssues(v: unknown): { path: string; message: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const issues = v
    .filter(isRecord)
    .map((i) => ({
      path: Array.isArray(i.path) ? i.path.join('.') : String(i.path ?? ''),
      message: String(i.message ?? ''),
    }))
    .filter((i) => i.message !== '');
  return issues.length > 0 ? issues : undefined;
}

/** The machine code, its params and, for `content_blocked`, what the filter blocked; malformed parts are left out. */
function readBlocked(v: Record<string, unknown>): Pick<ApiError, 'code' | 'params' | 'category' | 'span' | 'scenes'> {
  const out: Pick<ApiError, 'code' | 'params' | 'category' | 'span' | 'scenes'> = {};
  if (typeof v.code === 'string') out.code = v.code;
  if (isRecord(v.params)) {
    const params = Object.entries(v.params).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number');
    if (params.length) out.params = Object.fromEntries(params);
  }
  if (typeof v.category === 'string') out.category = v.category;
  const span = v.span;
  if (isRecord(span) && typeof span.start === 'number' && typeof span.end === 'number' && typeof span.text === 'string') {
    out.span = { start: span.start, end: span.end, text: span.text };
  }
  if (Array.isArray(v.scenes)) {
    out.scenes = v.scenes.filter(isRecord).flatMap((s) =>
      typeof s.category === 'string' && typeof s.text === 'string'
        ? [{ scene_id: String(s.scene_id ?? ''), scene_number: Number(s.scene_number ?? 0), field: String(s.field ?? ''), category: s.category, start: Number(s.start ?? 0), end: Number(s.end ?? 0), text: s.text }]
        : [],
    );
  }
  return out;
}

/** What the content filter blocked, when this error is its refusal (422 `content_blocked`). */
export function contentBlocked(err: unknown): { categories: string[]; texts: string[] } | null {
  if (!(err instanceof ApiRequestError) || err.code !== 'content_blocked') return null;
  const spans = err.scenes?.length ? err.scenes : err.category ? [{ category: err.category, text: err.span?.text ?? '' }] : [];
  if (spans.length === 0) return null;
  return { categories: [...new Set(spans.map((s) => s.category))], texts: [...new Set(spans.map((s) => s.text).filter(Boolean))] };
}

/**
 * Turns the answer of a failed request into an ApiRequestError. `body` is the raw response text
 * (may be empty, JSON ApiError, or anything else a proxy put there).
 */
export function toApiError(
  status: number,
  body: string | null | undefined,
  retryAfterHeader?: string | null,
  now?: number,
): ApiRequestError {
  let parsed: unknown = undefined;
  if (body) {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  let error = reasonPhrase(status);
  let message = '';
  let issues: ApiError['issues'];
  let blocked: Pick<ApiError, 'code' | 'params' | 'category' | 'span' | 'scenes'> = {};
  if (isRecord(parsed)) {
    if (typeof parsed.error === 'string' && parsed.error) error = parsed.error;
    const m = parsed.message;
    if (typeof m === 'string') message = m;
    else if (Array.isArray(m)) message = m.map(String).join('; ');
    issues = readIssues(parsed.issues);
    blocked = readBlocked(parsed);
  }
  if (!message) message = error;
  return new ApiRequestError({
    statusCode: status,
    error,
    message,
    issues,
    ...blocked,
    retryAfter: parseRetryAfter(retryAfterHeader, now),
  });
}

/** The error for a request that got no HTTP answer at all. */
export function networkError(cause: unknown): ApiRequestError {
  const detail = cause instanceof Error && cause.message ? cause.message : 'network error';
  return new ApiRequestError({ statusCode: 0, error: 'Network Error', message: detail });
}

/**
 * Everything the server said about an error, on one line, in its words (English): the detail
 * beside the translated message of its code (see error-messages.ts).
 */
export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) {
    if (err.issues && err.issues.length > 0) {
      const detail = err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      return detail === err.message ? err.message : `${err.message} (${detail})`;
    }
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The user's queued-task limit, when this error is the server's refusal for it (429 "you have N
 * task(s) waiting or rendering and may have at most M"); `{}` when the numbers cannot be read.
 */
export function queueLimit(err: unknown): { queued?: number; max?: number } | null {
  if (!(err instanceof ApiRequestError) || err.statusCode !== 429 || !/waiting or rendering/.test(err.message)) return null;
  const m = /have (\d+) task\(s\) waiting or rendering and may have at most (\d+)/.exec(err.message);
  return m ? { queued: Number(m[1]), max: Number(m[2]) } : {};
}

/**
 * What a take was drawn at and what its scene is now, when this error is the server's refusal to
 * pick it (409 "this take was drawn at 4 s, 640×360, 24 fps; the scene is now 5 s, …"); `{}` when
 * it is that refusal but unreadable.
 */
export function takeMismatch(err: unknown): { take?: string; scene?: string } | null {
  if (!(err instanceof ApiRequestError) || err.statusCode !== 409 || !/take was drawn at/.test(err.message)) return null;
  const m = /drawn at (.+?); the scene is now (.+)$/.exec(err.message);
  const tidy = (s: string) => s.trim().replace(/, /g, ' · ');
  return m ? { take: tidy(m[1]!), scene: tidy(m[2]!) } : {};
}
