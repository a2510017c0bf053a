import { execFile } from 'node:child_process';
import { abortReason, toolError } from './ffmpeg';

export interface RunToolOptions {
  /** What the run does, for error messages. */
  what: string;
  signal?: AbortSignal;
  /** Added to the "could not start" message, e.g. how to install the tool. */
  missingHint?: string;
}

/**
 * Runs a short-lived media helper that is not ffmpeg itself (ffprobe, espeak-ng) without a shell,
 * with the same abort and error shape as runFfmpeg. Resolves with its whole stdout.
 */
export function runTool(bin: string, args: readonly string[], opts: RunToolOptions): Promise<string> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 16 * 1024 * 1024, signal, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if (signal?.aborted) return reject(abortReason(signal));
      const tail = String(stderr).split(/\r?\n/).filter((l) => l.trim() !== '').slice(-20);
      reject(toolError(opts.what, bin, err, tail, opts.missingHint));
    });
  });
}
