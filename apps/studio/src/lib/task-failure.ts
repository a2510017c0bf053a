/**
 * Why a task or a plan failed, in the interface language: the message of its failure code
 * (libs/shared TASK_FAILURE_CODES, translated in i18n/task-failures.*.ts), with the server's
 * English words only as detail, as error-messages.ts does for API answers. Pure (the language is
 * an argument), for the spec.
 */
import { isTaskFailureCode, type TaskFailureCode } from '@reelcraft/shared';
import { translate, type Lang } from './i18n/core';

export interface DescribedFailure {
  code: TaskFailureCode;
  /** The message to show, in the interface language. */
  text: string;
  /** The server's own (English) words, when there are any beyond "cancelled". */
  detail: string | null;
}

/**
 * `failure_code` as the task view or a task:failed / planner:done event carries it. A code this
 * studio does not know yet (a newer server) or none at all (an older one) reads as the generic
 * render failure, with the English words as detail.
 */
export function describeTaskFailure(failure: { failure_code?: string | null; error: string | null }, lang: Lang): DescribedFailure {
  const error = failure.error?.trim() || null;
  const code: TaskFailureCode = isTaskFailureCode(failure.failure_code) ? failure.failure_code : error === 'cancelled' ? 'cancelled' : 'render_failed';
  const text = translate(lang, `failure_${code}`);
  return { code, text, detail: error && error !== 'cancelled' && error !== text ? error : null };
}
