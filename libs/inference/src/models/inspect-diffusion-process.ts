import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { DiffusionInspector } from './diffusion-layout';

/** dist/models/inspect-diffusion-child.js: valid in the built package, which is what the server runs. */
export const INSPECT_DIFFUSION_CHILD_PATH = join(__dirname, 'inspect-diffusion-child.js');

/** A DiffusionInspector that opens the sessions in a short-lived child process; a crash there is a reported problem. */
export function inspectDiffusionInChildProcess(timeoutMs = 120_000): DiffusionInspector {
  return (dir) =>
    new Promise((resolve) => {
      execFile(process.execPath, [INSPECT_DIFFUSION_CHILD_PATH, dir], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        try {
          if (!err) return resolve(JSON.parse(stdout) as { ok: boolean; problems: string[] });
        } catch {
          // fall through: unreadable output is reported like a crash
        }
        const why = err?.killed ? `took longer than ${timeoutMs} ms` : err ? `stopped (${err.signal ?? `exit code ${err.code}`})` : 'printed no result';
        resolve({ ok: false, problems: [`the ONNX check ${why}: ${String(stderr).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`] });
      });
    });
}
