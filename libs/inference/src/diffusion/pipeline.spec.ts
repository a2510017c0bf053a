import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { onnx } from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyDiffusionPipeline, type TinyDiffusionOptions } from '../testing/tiny-onnx';
import { inspectDiffusionPipeline } from './inspect';
import type { LatentPreview } from './latent-preview';
import { DiffusionNumericsError, DiffusionPipeline, type StepEvent } from './pipeline';

let root: string;
const pipelines: DiffusionPipeline[] = [];

async function tiny(name: string, options: TinyDiffusionOptions = {}): Promise<string> {
  return writeTinyDiffusionPipeline(join(root, name), options);
}

async function load(name: string, options: TinyDiffusionOptions = {}): Promise<DiffusionPipeline> {
  const p = await DiffusionPipeline.load(await tiny(name, options), { intraOpNumThreads: 1 });
  pipelines.push(p);
  return p;
}

function spread(rgb: Float32Array): number {
  let mean = 0;
  for (const v of rgb) mean += v / rgb.length;
  let variance = 0;
  for (const v of rgb) variance += (v - mean) ** 2 / rgb.length;
  return Math.sqrt(variance);
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiny-sd-'));
});

afterAll(async () => {
  await Promise.all(pipelines.map((p) => p.release()));
  await rm(root, { recursive: true, force: true });
});

describe('DiffusionPipeline on tiny ONNX exports', () => {
  const variants: [string, TinyDiffusionOptions][] = [
    ['optimum-1.23 (int64 timestep [1], int64 ids)', { timestep: 'int64', inputIds: 'int64' }],
    ['optimum-1.24 (float32 scalar timestep, int32 ids)', { timestep: 'float32-scalar', inputIds: 'int32' }],
    ['diffusers script (float32 [batch] timestep)', { timestep: 'float32-batch', inputIds: 'int32' }],
  ];
  for (const [label, options] of variants) {
    it(`txt2img with guidance: ${label}`, async () => {
      const p = await load(label.replace(/\W+/g, '-'), options);
      expect(existsSync(join(p.dir, 'unet', 'model.onnx_data'))).toBe(true);
      const steps: StepEvent[] = [];
      const a = await p.generate({ prompt: 'a forest river at sunset', seed: 1, steps: 6, guidanceScale: 5, onStep: (e) => steps.push(e) });
      expect([a.width, a.height]).toEqual([64, 64]);
      expect(a.image).toHaveLength(3 * 64 * 64);
      expect(a.image.every((v) => v >= -1 && v <= 1)).toBe(true);
      expect(spread(a.image)).toBeGreaterThan(10 / 127.5);
      // Guidance batches uncond + cond into one call per step.
      expect(a.unetCalls).toBe(6);
      expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
      const same = await p.generate({ prompt: 'a forest river at sunset', seed: 1, steps: 6, guidanceScale: 5 });
      expect(Buffer.from(same.image.buffer, same.image.byteOffset, same.image.byteLength).equals(Buffer.from(a.image.buffer, a.image.byteOffset, a.image.byteLength))).toBe(true);
      const otherPrompt = await p.generate({ prompt: 'a city at night', seed: 1, steps: 6, guidanceScale: 5 });
      expect(meanAbsDiff(otherPrompt.image, a.image)).toBeGreaterThan(1 / 127.5);
    });
  }

  it('previews are small valid JPEGs of the clean-latent estimate', async () => {
    const p = await load('preview');
    const jpegs: Buffer[] = [];
    await p.generate({ prompt: 'a cat', seed: 3, steps: 4, onStep: (e) => jpegs.push(e.preview.jpeg()) });
    expect(jpegs).toHaveLength(4);
    for (const jpeg of jpegs) {
      expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const image = await loadImage(jpeg);
      expect([image.width, image.height]).toEqual([128, 128]);
    }
    expect(jpegs[0]!.equals(jpegs[3]!)).toBe(false);
  });

  it('encodes a preview only when asked; a preview kept past its step still shows that step', async () => {
    const p = await load('lazy-preview');
    const kept: LatentPreview[] = [];
    const during: Buffer[] = [];
    await p.generate({ prompt: 'a cat', seed: 5, steps: 5, onStep: (e) => (kept.push(e.preview), e.step % 2 === 1 && during.push(e.preview.jpeg())) });
    expect(kept).toHaveLength(5);
    expect(kept.map((k) => k.rgb.length)).toEqual(Array(5).fill(p.latentWidth * p.latentHeight * 3));
    // Steps 1, 3, 5 were encoded during sampling; the same objects give the same bytes afterwards.
    expect([kept[0]!.jpeg(), kept[2]!.jpeg(), kept[4]!.jpeg()].map((b, i) => b.equals(during[i]!))).toEqual([true, true, true]);
    expect(new Set(kept.map((k) => k.jpeg().toString('base64'))).size).toBe(5);
  });

  it('different seeds give different pictures; the unconditional prompt matters under guidance', async () => {
    const p = await load('seeds', { timestep: 'float32-scalar' });
    const a = await p.generate({ prompt: 'a cat', seed: 1, steps: 4 });
    const b = await p.generate({ prompt: 'a cat', seed: 2, steps: 4 });
    expect(meanAbsDiff(a.image, b.image)).toBeGreaterThan(0.5 / 127.5);
    const neg = await p.generate({ prompt: 'a cat', negativePrompt: 'the forest', seed: 1, steps: 4 });
    expect(meanAbsDiff(a.image, neg.image)).toBeGreaterThan(0.5 / 127.5);
  });

  for (const encoder of ['latent_sample', 'latent_parameters'] as const) {
    it(`img2img through a vae_encoder with ${encoder}: low strength stays near the init image`, async () => {
      const p = await load(`img2img-${encoder}`, { vaeEncoder: encoder, timestep: encoder === 'latent_sample' ? 'int64' : 'float32-scalar' });
      const init = await p.generate({ prompt: 'a forest', seed: 5, steps: 6 });
      const other = await p.generate({ prompt: 'a city at night', seed: 9, steps: 6 });
      const low = await p.generate({ prompt: 'a city at night', seed: 9, steps: 10, init: { image: init.image, strength: 0.3 } });
      const high = await p.generate({ prompt: 'a city at night', seed: 9, steps: 10, init: { image: init.image, strength: 1 } });
      // strength 0.3 of 10 steps: the last 3 run, one batched call each.
      expect(low.unetCalls).toBe(3);
      expect(high.unetCalls).toBe(10);
      expect(meanAbsDiff(low.image, init.image)).toBeLessThan(meanAbsDiff(other.image, init.image));
      expect(meanAbsDiff(low.image, init.image)).toBeLessThan(meanAbsDiff(high.image, init.image));
    });
  }

  it("returns the decoder's own output array, and takes a result back as an img2img init unchanged", async () => {
    const p = await load('image-form');
    const a = await p.generate({ prompt: 'a forest', seed: 5, steps: 4 });
    const b = await p.generate({ prompt: 'a forest', seed: 5, steps: 4 });
    // Each generation has its own array (a later one does not overwrite an earlier result).
    expect(b.image).not.toBe(a.image);
    expect(b.image).toEqual(a.image);
    const copy = a.image.slice();
    const again = await p.generate({ prompt: 'a forest', seed: 5, steps: 4, init: { image: a.image, strength: 0.5 } });
    expect(a.image).toEqual(copy);
    expect((await p.generate({ prompt: 'a forest', seed: 5, steps: 4, init: { image: copy, strength: 0.5 } })).image).toEqual(again.image);
    await expect(p.generate({ prompt: 'a forest', seed: 5, steps: 4, init: { image: new Float32Array(3), strength: 0.5 } })).rejects.toThrow(/init image has 3 values, expected 3×64×64/);
  });

  it('an LCM export gets guidance through timestep_cond and runs one pass per step', async () => {
    const p = await load('lcm', { lcm: true, timestep: 'int64' });
    const calls: number[] = [];
    const a = await p.generate({ prompt: 'a cat', seed: 1, steps: 4, guidanceScale: 8, onStep: (e) => calls.push(e.timestep) });
    expect(calls).toEqual([999, 759, 499, 259]);
    expect(a.unetCalls).toBe(4);
    const b = await p.generate({ prompt: 'a cat', seed: 1, steps: 4, guidanceScale: 2 });
    expect(meanAbsDiff(a.image, b.image)).toBeGreaterThan(0.1 / 127.5);
  });

  it('img2img without a vae_encoder is refused clearly', async () => {
    const p = await load('no-encoder', { vaeEncoder: 'none' });
    await expect(p.generate({ prompt: 'x', seed: 1, steps: 2, init: { image: new Float32Array(3 * 64 * 64), strength: 0.5 } })).rejects.toThrow(/no vae_encoder/);
  });

  it('NaN from the UNet fails with a clear error', async () => {
    const p = await load('nan', { fault: 'nan-unet' });
    const err = await p.generate({ prompt: 'a cat', seed: 1, steps: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiffusionNumericsError);
    expect((err as Error).message).toMatch(/UNet produced NaN at step 1\/3/);
  });

  it('is aborted between steps', async () => {
    const p = await load('abort');
    const controller = new AbortController();
    const run = p.generate({ prompt: 'a cat', seed: 1, steps: 8, signal: controller.signal, onStep: (e) => e.step === 2 && controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });
});

describe('a half-precision export (float16 inputs and outputs, as optimum-cli --dtype fp16 writes)', () => {
  for (const [label, options] of [
    ['int64 timestep, latent_sample encoder', { timestep: 'int64', vaeEncoder: 'latent_sample' }],
    ['float16 scalar timestep, latent_parameters encoder', { timestep: 'float32-scalar', vaeEncoder: 'latent_parameters' }],
  ] as [string, TinyDiffusionOptions][]) {
    it(`gives the float32 export's pictures within half precision: ${label}`, async () => {
      const name = label.replace(/\W+/g, '-');
      const full = await load(`fp32-${name}`, options);
      const half = await load(`fp16-${name}`, { ...options, io: 'float16' });
      const unet = onnx.ModelProto.decode(await readFile(join(half.dir, 'unet', 'model.onnx'))).graph!;
      const types = Object.fromEntries([...unet.input!, ...unet.output!].map((v) => [v.name, v.type!.tensorType!.elemType]));
      expect(types).toMatchObject({ sample: 10, encoder_hidden_states: 10, out_sample: 10, timestep: options.timestep === 'int64' ? 7 : 10 });
      expect(await inspectDiffusionPipeline(half.dir)).toEqual({ ok: true, problems: [] });

      const request = { prompt: 'a forest river at sunset', seed: 11, steps: 6, guidanceScale: 5 };
      const [a, b] = [await full.generate(request), await half.generate(request)];
      expect(b.image).toHaveLength(a.image.length);
      expect(meanAbsDiff(a.image, b.image)).toBeLessThan(0.01);
      expect(meanAbsDiff(a.image, b.image)).toBeGreaterThan(0);
      // img2img feeds the image to a float16 encoder and continues from its latents.
      const init = { image: a.image, strength: 0.5 };
      const [c, d] = [await full.generate({ ...request, seed: 12, init }), await half.generate({ ...request, seed: 12, init })];
      expect(meanAbsDiff(c.image, d.image)).toBeLessThan(0.01);
      expect(meanAbsDiff(d.image, b.image)).toBeGreaterThan(0);
    });
  }
});

describe('precision variants side by side', () => {
  it('runs an 8-bit UNet (model_quantized.onnx, dynamically quantised) when the folder has one, beside full-precision text encoder and VAE', async () => {
    const full = await load('fp32-unet');
    const int8 = await load('int8-unet', { int8Unet: true });
    expect(full.files).toEqual({ text_encoder: 'model.onnx', unet: 'model.onnx', vae_decoder: 'model.onnx', vae_encoder: 'model.onnx' });
    expect(int8.files).toEqual({ text_encoder: 'model.onnx', unet: 'model_quantized.onnx', vae_decoder: 'model.onnx', vae_encoder: 'model.onnx' });
    const types = onnx.ModelProto.decode(await readFile(join(int8.dir, 'unet', 'model_quantized.onnx'))).graph!.node!.map((n) => n.opType);
    expect(types).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'ConvInteger']));
    expect(await inspectDiffusionPipeline(int8.dir)).toEqual({ ok: true, problems: [] });
    const request = { prompt: 'a forest river at sunset', seed: 3, steps: 6, guidanceScale: 5 };
    const [a, b] = [await full.generate(request), await int8.generate(request)];
    // The same weights at 8 bits: close to the full-precision picture, not equal to it.
    expect(meanAbsDiff(a.image, b.image)).toBeGreaterThan(0);
    expect(meanAbsDiff(a.image, b.image)).toBeLessThan(0.03);
  });

  it('names the file it picked when that file is broken', async () => {
    const dir = await tiny('int8-broken', { int8Unet: true });
    await writeFile(join(dir, 'unet', 'model_quantized.onnx'), 'not a model');
    const result = await inspectDiffusionPipeline(dir);
    expect(result.problems).toEqual([expect.stringMatching(/^unet\/model_quantized\.onnx: cannot be loaded by ONNX Runtime: /)]);
    await expect(DiffusionPipeline.load(dir)).rejects.toThrow(/cannot load unet\/model_quantized\.onnx/);
  });
});

describe('the SD-like benchmark export', () => {
  it('runs through the pipeline with the same contract, its extra blocks changing the picture', async () => {
    const toy = await load('toy-for-sd-like', { timestep: 'float32-scalar' });
    const sd = await load('sd-like', { architecture: 'sd-like', timestep: 'float32-scalar' });
    const request = { prompt: 'a forest river at sunset', seed: 4, steps: 4 };
    const [a, b] = [await toy.generate(request), await sd.generate(request)];
    expect(b.image).toHaveLength(a.image.length);
    expect(b.image.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(meanAbsDiff(a.image, b.image)).toBeGreaterThan(1 / 127.5);
    expect(meanAbsDiff((await sd.generate(request)).image, b.image)).toBe(0);
    // SD 1.5's blocks, even at 8 channels: group norms, attention, skip concatenations, upsampling.
    for (const [component, ops] of [
      ['unet', ['InstanceNormalization', 'Softmax', 'Concat', 'Resize', 'Sigmoid']],
      ['vae_decoder', ['InstanceNormalization', 'Softmax', 'Resize']],
    ] as const) {
      const graph = onnx.ModelProto.decode(await readFile(join(sd.dir, component, 'model.onnx'))).graph!;
      const types = graph.node!.map((n) => n.opType);
      expect(types.length, component).toBeGreaterThan(100);
      for (const op of ops) expect(types, `${component} has ${op}`).toContain(op);
    }
  });
});

describe('inspectDiffusionPipeline', () => {
  it('accepts the tiny export in each variant', async () => {
    for (const [name, options] of [
      ['inspect-a', {}],
      ['inspect-b', { timestep: 'float32-scalar', inputIds: 'int32', vaeEncoder: 'latent_parameters' }],
      ['inspect-c', { lcm: true, vaeEncoder: 'none' }],
      ['inspect-sd-like', { architecture: 'sd-like', timestep: 'float32-scalar' }],
    ] as [string, TinyDiffusionOptions][]) {
      expect(await inspectDiffusionPipeline(await tiny(name, options))).toEqual({ ok: true, problems: [] });
    }
  });

  it('names a wrong input precisely', async () => {
    const dir = await tiny('wrong-name', { fault: 'wrong-input-name' });
    const result = await inspectDiffusionPipeline(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      'unet/model.onnx: missing input sample (inputs are latent_sample float32[batch_size, 4, 8, 8], timestep int64[steps], encoder_hidden_states float32[batch_size, sequence_length, 32])',
      'unet/model.onnx: unexpected input latent_sample float32[batch_size, 4, 8, 8]',
    ]);
    await expect(DiffusionPipeline.load(dir)).rejects.toThrow(/not a usable diffusion export: unet\/model.onnx: missing input sample/);
  });

  it('reports a corrupt file and missing parts', async () => {
    const dir = await tiny('corrupt', { fault: 'corrupt-unet' });
    await rm(join(dir, 'tokenizer', 'merges.txt'));
    await rm(join(dir, 'vae_decoder', 'model.onnx'));
    const result = await inspectDiffusionPipeline(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(3);
    expect(result.problems[0]).toMatch(/^unet\/model.onnx: cannot be loaded by ONNX Runtime: /);
    expect(result.problems[1]).toBe('vae_decoder/model.onnx: missing');
    expect(result.problems[2]).toMatch(/^tokenizer\/: .*merges.txt/);
    await expect(DiffusionPipeline.load(dir)).rejects.toThrow(/cannot load unet\/model.onnx/);
  });
});
