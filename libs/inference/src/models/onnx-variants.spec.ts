import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxVariants, pickOnnxFile, pickPrecision, pickVariant } from './onnx-variants';

describe('which ONNX variant a device runs', () => {
  const all = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', int8: 'model_quantized.onnx' } as const;

  it('runs the 8-bit file on the CPU, then full precision, and half precision only when nothing else is there', () => {
    expect(pickVariant(all)).toBe('model_quantized.onnx');
    expect(pickVariant({ fp32: all.fp32, fp16: all.fp16 }, 'cpu')).toBe('model.onnx');
    expect(pickVariant({ fp16: all.fp16 }, 'cpu')).toBe('model_fp16.onnx');
  });

  it('runs half precision on every GPU provider, full precision next', () => {
    for (const device of ['cuda', 'webgpu', 'dml', 'coreml'] as const) {
      expect(pickPrecision(all, device)).toBe('fp16');
      expect(pickVariant({ fp32: all.fp32, int8: all.int8 }, device)).toBe('model.onnx');
    }
  });

  it('finds nothing in a folder without a model', () => {
    expect(pickVariant({}, 'cuda')).toBeUndefined();
  });

  const dir = mkdtempSync(join(tmpdir(), 'variants-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the variants from the file names in a folder', async () => {
    for (const f of ['model.onnx', 'model_fp16.onnx', 'notes.txt']) writeFileSync(join(dir, f), '');
    expect(await onnxVariants(dir)).toEqual({ fp32: 'model.onnx', fp16: 'model_fp16.onnx' });
    expect(await pickOnnxFile(dir, 'cuda')).toBe('model_fp16.onnx');
    expect(await pickOnnxFile(dir)).toBe('model.onnx');
  });
});
