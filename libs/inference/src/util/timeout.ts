import { AbortError } from './abort';

/** The work ran past its time limit; distinct from AbortError, which means somebody cancelled it. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface Deadline {
  /** Fires when the caller's signal fires or the time limit passes. */
  signal: AbortSignal;
  /** The error to throw after `signal` fired: AbortError or TimeoutError, with `what` in the message. */
  reason(): Error;
  dispose(): void;
}

/** One signal for "cancelled or out of time", remembering which of the two happened. */
export function deadline(what: string, signal: AbortSignal | undefined, timeoutMs: number | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(new AbortError(`${what} was aborted`));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs !== undefined && Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new TimeoutError(`${what} took longer than ${timeoutMs} ms and was stopped`));
        }, timeoutMs)
      : undefined;
  return {
    signal: controller.signal,
    reason: () =>
      timedOut ? new TimeoutError(`${what} took longer than ${timeoutMs} ms and was stopped`) : new AbortError(`${what} was aborted`),
    dispose: () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
