/**
 * One shape for "this work was cancelled" across the planner, renderer, encoder and worker, so a
 * caller can tell a cancellation from a failure by `isAbortError` whatever layer stopped first.
 */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was aborted') {
    super(message);
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Throws an AbortError when the signal has fired; cheap enough to call once per frame. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'The operation'): void {
  if (signal?.aborted) throw new AbortError(`${what} was aborted`);
}
