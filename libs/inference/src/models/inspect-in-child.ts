import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelEntry } from '@reelcraft/shared';
import type { DiffusionInspector } from './diffusion-layout';
import type { EmbeddingsInspector } from './embeddings-layout';
import type { ModelInspection } from './model-inspection';

/** dist/models/inspect-child.js: valid in the built package, which is what the server runs. */
export const INSPECT_CHILD_PATH = join(__dirname, 'inspect-child.js');

/** Runs a check in a short-lived child process; a crash or a hang there becomes `failed(why)`. */
function inChild<T>(args: string[], timeoutMs: number, what: string, failed: (why: string) => T | Promise<T>): Promise<T> {
  return new Promise((resolve) => {
    execFile(process.execPath, [INSPECT_CHILD_PATH, ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      try {
        if (!err) return resolve(JSON.parse(stdout) as T);
      } catch {
        // fall through: unreadable output is reported like a crash
      }
      const why = err?.killed ? `took longer than ${timeoutMs} ms` : err ? `stopped (${err.signal ?? `exit code ${err.code}`})` : 'printed no result';
      resolve(failed(`the ${what} check ${why}: ${String(stderr).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`));
    });
  });
}

const inspection = (problem: string): ModelInspection => ({ ok: false, problems: [problem] });

/** A DiffusionInspector that opens the sessions in a child process. */
export function inspectDiffusionInChildProcess(timeoutMs = 120_000): DiffusionInspector {
  return (dir) => inChild(['diffusion', dir], timeoutMs, 'ONNX', inspection);
}

/** An EmbeddingsInspector that loads the tokenizer and opens the model files in a child process. */
export function inspectEmbeddingsInChildProcess(timeoutMs = 120_000): EmbeddingsInspector {
  return (dir, modelFiles) => inChild(['embeddings', dir, ...modelFiles], timeoutMs, 'ONNX', inspection);
}

/**
 * A GGUF check (inspectGguf) in a child process: node-llama-cpp's header reader trusts the lengths
 * a file states, so a corrupt one can allocate gigabytes before it fails, and importing the library
 * costs the server memory it never needs otherwise.
 */
export function inspectGgufInChildProcess(timeoutMs = 60_000): (path: string) => Promise<ModelEntry> {
  return (path) =>
    inChild<ModelEntry>(['gguf', path], timeoutMs, 'GGUF', async (problem) => ({
      kind: 'llm',
      name: basename(path),
      path,
      ok: false,
      problems: [problem],
      details: { sizeBytes: await stat(path).then((s) => s.size, () => null) },
    }));
}
