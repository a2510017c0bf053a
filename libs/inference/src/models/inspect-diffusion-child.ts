/**
 * Child-process entry: inspects one diffusion export and prints the result as JSON on stdout.
 * Opening ONNX sessions can take gigabytes and, on a hostile file, could take the process down;
 * the server therefore never does it in its own process.
 */
import { inspectDiffusionPipeline } from '../diffusion/inspect';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: inspect-diffusion-child <pipeline dir>');
  process.exit(2);
}
inspectDiffusionPipeline(dir)
  .then((result) => process.stdout.write(JSON.stringify(result)))
  .catch((err: unknown) => process.stdout.write(JSON.stringify({ ok: false, problems: [`inspection failed: ${err instanceof Error ? err.message : String(err)}`] })));
