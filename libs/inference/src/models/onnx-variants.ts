import { readdir } from 'node:fs/promises';
import type { OnnxDevice } from '../diffusion/onnx-devices';

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
 * Which file runs when a folder holds several, by device. On ONNX Runtime's CPU backend an 8-bit
 * file is the fastest (an operator who copied one in wants it used), full precision next, and
 * half precision last (most CPU kernels have no float16 form). On a GPU provider half precision
 * comes first: it halves the memory and the tensor cores run it, while 8-bit dynamic
 * quantisation mostly falls back to the CPU there.
 */
const PRECISION_ORDER: Record<'cpu' | 'gpu', readonly OnnxPrecision[]> = {
  cpu: ['int8', 'fp32', 'fp16'],
  gpu: ['fp16', 'fp32', 'int8'],
};

/** The precision a device runs first, of those found (undefined: none). */
export function pickPrecision(found: Partial<Record<OnnxPrecision, string>>, device: OnnxDevice = 'cpu'): OnnxPrecision | undefined {
  return PRECISION_ORDER[device === 'cpu' ? 'cpu' : 'gpu'].find((p) => found[p]);
}

/** The file of the variant a device runs, of those found (undefined: none). */
export function pickVariant(found: Partial<Record<OnnxPrecision, string>>, device: OnnxDevice = 'cpu'): string | undefined {
  const precision = pickPrecision(found, device);
  return precision && found[precision];
}

/** pickVariant over the ONNX files in `dir`. */
export async function pickOnnxFile(dir: string, device: OnnxDevice = 'cpu'): Promise<string | undefined> {
  return pickVariant(await onnxVariants(dir), device);
}

/** The ONNX files in one folder, by precision (first match wins per precision). */
export async function onnxVariants(dir: string): Promise<Partial<Record<OnnxPrecision, string>>> {
  const files = new Set(await readdir(dir).catch(() => [] as string[]));
  const found: Partial<Record<OnnxPrecision, string>> = {};
  for (const [file, precision] of VARIANT_FILES) if (files.has(file) && !found[precision]) found[precision] = file;
  return found;
}
