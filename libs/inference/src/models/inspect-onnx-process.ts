import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { DiffusionInspector } from './diffusion-layout';
import type { EmbeddingsInspector } from './embeddings-layout';
import type { ModelInspection } from './model-inspection';

/** dist/models/inspect-onnx-child.js: valid in the built package, which is what the server runs. */
export const INSPECT_ONNX_CHILD_PATH = join(__dirname, 'inspect-onnx-child.js');

/** Runs the check in a short-lived child process; a crash or a hang there is a reported problem. */
function inspectInChild(args: string[], timeoutMs: number): Promise<ModelInspection> {
  return new Promise((resolve) => {
    execFile(process.execPath, [INSPECT_ONNX_CHILD_PATH, ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      try {
        if (!err) return resolve(JSON.parse(stdout) as ModelInspection);
      } catch {
        // fall through: unreadable output is reported like a crash
      }
      const why = err?.killed ? `took longer than ${timeoutMs} ms` : err ? `stopped (${err.signal ?? `exit code ${err.code}`})` : 'printed no result';
      resolve({ ok: false, problems: [`the ONNX check ${why}: ${String(stderr).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`] });
    });
  });
}

/** A DiffusionInspector that opens the sessions in a child process. */
export function inspectDiffusionInChildProcess(timeoutMs = 120_000): DiffusionInspector {
  return (dir) => inspectInChild(['diffusion', dir], timeoutMs);
}

/** An EmbeddingsInspector that loads the tokenizer and opens the model files in a child process. */
export function inspectEmbeddingsInChildProcess(timeoutMs = 120_000): EmbeddingsInspector {
  return (dir, modelFiles) => inspectInChild(['embeddings', dir, ...modelFiles], timeoutMs);
}
