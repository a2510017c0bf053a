/**
 * What the studio says about a failed API call, in the interface language: the message of the
 * answer's machine code (libs/shared API_ERROR_CODES, translated in i18n/errors.*.ts) with the
 * server's English text only as detail. Pure (the language is an argument), for the spec.
 */
import { genericErrorCode, isApiErrorCode, type ApiErrorCode } from '@reelcraft/shared';
import { ApiRequestError, contentBlocked, errorText as englishText, queueLimit } from './api-errors';
import { translate, type Lang, type Params } from './i18n/core';

export interface DescribedError {
  /** The answer's code; null for what is not an API answer (no connection, a bug in the page). */
  code: ApiErrorCode | null;
  /** The message to show, in the interface language. */
  text: string;
  /** The server's own (English) words, when they say more than `text`: a tooltip or a "details" line. */
  detail: string | null;
}

/**
 * Codes whose message says little without the server's words (which field, which rule): the
 * one-line form (errorLine) keeps the detail beside the message for these.
 */
const SAYS_LITTLE: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>([
  'bad_request',
  'forbidden',
  'not_found',
  'conflict',
  'unprocessable',
  'unavailable',
  'invalid_input',
  'storyboard_invalid',
  'scene_edit_invalid',
  'model_failed',
]);

const UNFILLED = /\{\w+\}/;

/** Values for a code's message that an older server did not send as params. */
function fallbackParams(err: ApiRequestError, code: ApiErrorCode): Params {
  if (code === 'queue_full') return { ...queueLimit(err) };
  if ((code === 'login_throttled' || code === 'password_throttled') && err.retryAfter !== null) return { seconds: err.retryAfter };
  return {};
}

export function describeError(err: unknown, lang: Lang): DescribedError {
  if (!(err instanceof ApiRequestError)) return { code: null, text: englishText(err), detail: null };
  if (err.isNetworkError) return { code: null, text: translate(lang, 'network_error'), detail: err.message || null };
  const english = englishText(err);
  const blocked = contentBlocked(err);
  if (blocked) {
    const sep = translate(lang, 'list_separator');
    const text = translate(lang, 'filter_blocked', { categories: blocked.categories.join(sep), words: blocked.texts.map((w) => `“${w}”`).join(sep) });
    return { code: 'content_blocked', text, detail: english };
  }
  let code: ApiErrorCode = isApiErrorCode(err.code) ? err.code : genericErrorCode(err.statusCode);
  let text = translate(lang, `error_${code}`, { ...fallbackParams(err, code), ...err.params });
  // A message naming a value the answer did not carry: the status's own message instead, never "{scene}".
  if (UNFILLED.test(text)) {
    code = genericErrorCode(err.statusCode);
    text = translate(lang, `error_${code}`);
  }
  return { code, text, detail: english && english !== text ? english : null };
}

/** The error on one line: the message, and the server's words beside it where the message alone says little. */
export function errorLine(err: unknown, lang: Lang): string {
  const d = describeError(err, lang);
  if (!d.detail || !d.code || !SAYS_LITTLE.has(d.code)) return d.text;
  return lang === 'zh' ? `${d.text}（${d.detail}）` : `${d.text} (${d.detail})`;
}
