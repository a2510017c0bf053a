/**
 * Child-process entry: opens the ONNX sessions of one diffusion export (`diffusion <dir>`) or of
 * an embedding model folder (`embeddings <dir> <model file>…`, with its tokenizer), checks their
 * signatures and prints the result as JSON on stdout. Opening sessions can take gigabytes and,
 * on a hostile file, could take the process down; the server therefore never does it in its own
 * process.
 */
import { inspectDiffusionPipeline } from '../diffusion/inspect';
import { inspectEmbeddingsFolder } from './inspect-embeddings';

const [kind, target, ...files] = process.argv.slice(2);
const inspect = kind === 'diffusion' ? () => inspectDiffusionPipeline(target!) : kind === 'embeddings' ? () => inspectEmbeddingsFolder(target!, files) : undefined;
if (!inspect || !target) {
  console.error('usage: inspect-onnx-child diffusion <pipeline dir> | embeddings <model dir> <model file>…');
  process.exit(2);
}
inspect()
  .then((result) => process.stdout.write(JSON.stringify(result)))
  .catch((err: unknown) => process.stdout.write(JSON.stringify({ ok: false, problems: [`inspection failed: ${err instanceof Error ? err.message : String(err)}`] })));
