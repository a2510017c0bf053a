import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './server-process';

/**
 * Tiny real models in `dir` (MODELS_DIR layout), by libs/inference's own writers: a GGUF for the
 * planner (a context large enough for its prompt template) and, when asked, an ONNX diffusion
 * export. Written by a node process of its own: @reelcraft/inference is CommonJS and would load a
 * second copy of Yjs next to the one y-websocket uses in the tests.
 */
export async function writeTinyModels(dir: string, what: { llm?: boolean; diffusion?: boolean }): Promise<void> {
  const write = `const inference = require('@reelcraft/inference'), [dir, llm, diffusion] = process.argv.slice(1);
    Promise.all([
      llm === '1' && inference.writeTinyGguf(dir + '/llm/tiny.gguf', { contextLength: 4096 }),
      diffusion === '1' && inference.writeTinyDiffusionPipeline(dir + '/diffusion/tiny-sd'),
    ]).catch((e) => { console.error(e); process.exit(1); });`;
  await promisify(execFile)(process.execPath, ['-e', write, dir, what.llm ? '1' : '0', what.diffusion ? '1' : '0'], { cwd: ROOT });
}
