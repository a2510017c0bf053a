import { isTaskFailureCode, type TaskFailureCode } from '@reelcraft/shared';
import { MediaToolError } from '../media/ffmpeg';

/**
 * A failure whose code its throw site knows (a model that cannot be loaded, ffmpeg, a full disk).
 * The render worker sends the code with its `failed` message and a remote worker host writes it
 * into the job's failure reason, so the server stores what the throw site knew instead of
 * guessing from the English wording.
 */
export class TaskFailure extends Error {
  override readonly name = 'TaskFailure';
  constructor(
    readonly failureCode: TaskFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** How a full disk reads in an error message or a tool's output (Node's errno names, ffmpeg's words). */
export const DISK_FULL_TEXT = /ENOSPC|no space left on device|disk quota exceeded/i;

/**
 * The code a render worker can name from the error object itself (its class, its errno), or
 * undefined: the rest is left to the server, which also sees the supervisor's side of a failure.
 */
export function knownFailureCodeOf(err: unknown): TaskFailureCode | undefined {
  const own = (err as { failureCode?: unknown } | null)?.failureCode;
  if (isTaskFailureCode(own)) return own;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return 'disk_full';
  if (err instanceof MediaToolError) return DISK_FULL_TEXT.test(err.message) || err.stderrTail.some((l) => DISK_FULL_TEXT.test(l)) ? 'disk_full' : 'ffmpeg_failed';
  return undefined;
}

/**
 * How a failure travels as one line of text (BullMQ keeps a failed job's reason as a string):
 * `[code] message`. Read back by readFailureReason; a reason without the prefix has no code.
 */
export const failureReason = (code: TaskFailureCode | undefined, message: string): string => (code ? `[${code}] ${message}` : message);

export function readFailureReason(reason: string): { code?: TaskFailureCode; message: string } {
  const m = /^\[([a-z_]+)\] ([\s\S]*)$/.exec(reason);
  return m && isTaskFailureCode(m[1]) ? { code: m[1], message: m[2] } : { message: reason };
}
