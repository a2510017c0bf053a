import { readdir } from 'node:fs/promises';

export type OnnxPrecision = 'fp32' | 'fp16' | 'int8';

/**
 * File names by which the exporters (Optimum, transformers.js conversion scripts) mark a
 * precision: model.onnx is full precision, model_fp16.onnx half, model_quantized.onnx (or
 * model_int8 / model_uint8) dynamically quantised.
 */
const VARIANT_FILES: ReadonlyArray<readonly [string, OnnxPrecision]> = [
  ['model.onnx', 'fp32'],
  ['model_fp16.onnx', 'fp16'],
  ['model_quantized.onnx', 'int8'],
  ['model_int8.onnx', 'int8'],
  ['model_uint8.onnx', 'int8'],
];

/**
 * Which file runs when a folder holds several: the pipeline runs on ONNX Runtime's CPU backend,
 * where an 8-bit file is the fastest (an operator who copied one in wants it used), full
 * precision next, and half precision last (most CPU kernels have no float16 form).
 */
const CPU_PRECISION_ORDER: readonly OnnxPrecision[] = ['int8', 'fp32', 'fp16'];

/** The file of the variant the CPU pipeline runs, of those found (undefined: none). */
export function pickVariant(found: Partial<Record<OnnxPrecision, string>>): string | undefined {
  const precision = CPU_PRECISION_ORDER.find((p) => found[p]);
  return precision && found[precision];
}

/** pickVariant over the ONNX files in `dir`. */
export async function pickOnnxFile(dir: string): Promise<string | undefined> {
  return pickVariant(await onnxVariants(dir));
}

/** The ONNX files in one folder, by precision (first match wins per precision). */
export async function onnxVariants(dir: string): Promise<Partial<Record<OnnxPrecision, string>>> {
  const files = new Set(await readdir(dir).catch(() => [] as string[]));
  const found: Partial<Record<OnnxPrecision, string>> = {};
  for (const [file, precision] of VARIANT_FILES) if (files.has(file) && !found[precision]) found[precision] = file;
  return found;
}
