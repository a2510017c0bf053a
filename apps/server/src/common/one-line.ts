/**
 * An error as one log line: its message and the frame that threw. A stack per failed request
 * would let anyone who can send a bad request fill the log; the frame is enough to find the bug.
 */
export function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err).replace(/\s+/g, ' ').slice(0, 500);
  const frame = err.stack?.split('\n').find((l) => l.trimStart().startsWith('at '))?.trim();
  const text = `${err.name}: ${err.message}`.replace(/\s+/g, ' ').slice(0, 500);
  return frame ? `${text} (${frame})` : text;
}
