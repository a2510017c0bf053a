/**
 * Child-process entry for the model checks the server never runs in its own process, printing the
 * result as JSON on stdout:
 *   gguf <file>                          a GGUF header read with node-llama-cpp (a corrupt length
 *                                        can make that library allocate gigabytes before it fails)
 *   diffusion <dir>                      the ONNX sessions of a diffusion export, signatures checked
 *   embeddings <dir> <model file>…       an embedding model's sessions and tokenizer
 * Opening sessions can take gigabytes and, on a hostile file, could take the process down.
 */
import { inspectDiffusionPipeline } from '../diffusion/inspect';
import { inspectEmbeddingsFolder } from './inspect-embeddings';
import { inspectGguf } from './llm-check';

const [kind, target, ...files] = process.argv.slice(2);
const inspections: Record<string, () => Promise<unknown>> = {
  gguf: () => inspectGguf(target!),
  diffusion: () => inspectDiffusionPipeline(target!),
  embeddings: () => inspectEmbeddingsFolder(target!, files),
};
const inspect = kind ? inspections[kind] : undefined;
if (!inspect || !target) {
  console.error('usage: inspect-child gguf <file> | diffusion <pipeline dir> | embeddings <model dir> <model file>…');
  process.exit(2);
}
// 64-bit GGUF values come as bigints, which JSON cannot hold.
const json = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
inspect()
  .then((result) => process.stdout.write(json(result)))
  .catch((err: unknown) => process.stdout.write(json({ ok: false, problems: [`inspection failed: ${err instanceof Error ? err.message : String(err)}`] })));
