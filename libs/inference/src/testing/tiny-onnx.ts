import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToUnicode } from '../diffusion/clip-tokenizer';
import { LATENT_RGB_FACTORS_SD15 } from '../diffusion/latent-preview';
import { GaussianNoise } from '../diffusion/random';
import { alphasCumprod, parseSchedulerConfig } from '../diffusion/schedulers';
import { sdLikeDecoderBody, sdLikeShape, sdLikeUnetBody } from './sd-like-graphs';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, type FloatIo } from './tiny-onnx-graph';

export type TinyTimestepVariant = 'int64' | 'float32-scalar' | 'float32-batch';

export interface TinyDiffusionOptions {
  seed?: number;
  /** How the UNet takes its timestep: Optimum ≤ 1.23.3 (int64 [1]), ≥ 1.24 (float32 []), diffusers script (float32 [batch]). */
  timestep?: TinyTimestepVariant;
  /** text_encoder input_ids: int64 (Optimum) or int32 (older diffusers script). */
  inputIds?: 'int64' | 'int32';
  /** What the VAE encoder returns (Optimum ≤ 1.22 / ≥ 1.23), or no encoder at all. */
  vaeEncoder?: 'latent_sample' | 'latent_parameters' | 'none';
  /** An LCM export: the UNet takes timestep_cond and the scheduler is LCMScheduler. */
  lcm?: boolean;
  /** Latent side (the image is 8× that). Default 8. */
  latentSize?: number;
  /** Hidden channels of the UNet's convolutions (the base width of 'sd-like'). Default 8; larger for benchmarks. */
  channels?: number;
  /**
   * 'toy' (default): one convolution each, so a run costs next to nothing. 'sd-like': the UNet and
   * VAE decoder also carry SD 1.5's block structure (sd-like-graphs.ts) at `channels` base width,
   * so benchmarks see a model whose work is shaped like the real one. The outputs stay those of
   * the toy model, nudged by the extra blocks.
   */
  architecture?: 'toy' | 'sd-like';
  /**
   * Element type of every float input and output: 'float16' as Optimum's `--dtype fp16` exports
   * (the graphs cast at their edges and compute in float32, which ONNX Runtime's CPU backend
   * supports for every operator). Default 'float32'.
   */
  io?: FloatIo;
  /**
   * Also write unet/model_quantized.onnx: the same UNet dynamically quantised to 8 bits, as
   * `optimum-cli onnxruntime quantize` writes it (weights uint8 with a scale, activations
   * quantised per call by DynamicQuantizeLinear, the convolution done by ConvInteger).
   */
  int8Unet?: boolean;
  /** Put the UNet's weights in unet/model.onnx_data, as Optimum does for large models. Default true. */
  externalData?: boolean;
  /** Broken variants for negative tests. */
  fault?: 'wrong-input-name' | 'corrupt-unet' | 'nan-unet';
}

export const TINY_HIDDEN = 32;
const SEQ = 77;
const VOCAB_ROWS = 1024;
const TRAIN_STEPS = 1000;
export const TINY_SCALING_FACTOR = 0.18215;
/** Variance of the tiny UNet's notional clean latents around its prompt-dependent mean. */
const DATA_VAR = 0.25;

/**
 * Writes a whole Optimum-layout Stable Diffusion export with tiny, seeded random graphs whose
 * inputs and outputs have exactly the export's names, element types and ranks. They compute
 * something meaningful enough to look at: the UNet is an exact ε-predictor for "clean latents =
 * m", where m mixes a spatial pattern, the prompt embedding and a convolution of its input, so
 * sampling converges to a prompt-dependent picture and every input matters. Returns `dir`.
 */
export async function writeTinyDiffusionPipeline(dir: string, options: TinyDiffusionOptions = {}): Promise<string> {
  const o = {
    seed: options.seed ?? 1,
    timestep: options.timestep ?? 'int64',
    inputIds: options.inputIds ?? 'int64',
    vaeEncoder: options.vaeEncoder ?? 'latent_sample',
    lcm: options.lcm ?? false,
    latentSize: options.latentSize ?? 8,
    channels: options.channels ?? 8,
    architecture: options.architecture ?? 'toy',
    io: options.io ?? 'float32',
    int8Unet: options.int8Unet ?? false,
    externalData: options.externalData ?? true,
    fault: options.fault,
  };
  const rng = new GaussianNoise(o.seed);
  const schedulerConfig = {
    _class_name: o.lcm ? 'LCMScheduler' : 'EulerDiscreteScheduler',
    _diffusers_version: '0.30.0',
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    num_train_timesteps: TRAIN_STEPS,
    prediction_type: 'epsilon',
    steps_offset: 1,
    timestep_spacing: o.lcm ? 'leading' : 'linspace',
    clip_sample: false,
    set_alpha_to_one: false,
    ...(o.lcm ? { original_inference_steps: 50, timestep_scaling: 10 } : {}),
  };
  const timeCondDim = o.lcm ? 16 : 0;

  const files: [string, Uint8Array | string][] = [];
  const json = (path: string, value: unknown) => files.push([path, `${JSON.stringify(value, null, 2)}\n`]);
  const onnxFile = (sub: string, encoded: { model: Uint8Array; sidecar?: Buffer }) => {
    files.push([`${sub}/model.onnx`, encoded.model]);
    if (encoded.sidecar) files.push([`${sub}/model.onnx_data`, encoded.sidecar]);
  };

  onnxFile('text_encoder', textEncoder(rng, o.inputIds, o.io).encode());
  const alphaBar = alphasCumprod(parseSchedulerConfig(schedulerConfig));
  // The 8-bit variant draws the very same weights: built from a copy of the generator's state.
  if (o.int8Unet) files.push(['unet/model_quantized.onnx', tinyUnet(rng.clone(), { ...o, quantized: true }, alphaBar, timeCondDim).encode().model]);
  const unet = tinyUnet(rng, o, alphaBar, timeCondDim);
  onnxFile('unet', unet.encode(o.externalData ? { externalData: { location: 'model.onnx_data', threshold: 256 } } : {}));
  onnxFile('vae_decoder', vaeDecoder(rng, o).encode(o.externalData && o.architecture === 'sd-like' ? { externalData: { location: 'model.onnx_data', threshold: 256 } } : {}));
  if (o.vaeEncoder !== 'none') onnxFile('vae_encoder', vaeEncoder(o.latentSize, o.vaeEncoder, o.io).encode());

  json('model_index.json', {
    _class_name: o.lcm ? 'LatentConsistencyModelPipeline' : 'StableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    scheduler: ['diffusers', schedulerConfig._class_name],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
  });
  json('scheduler/scheduler_config.json', schedulerConfig);
  json('text_encoder/config.json', { architectures: ['CLIPTextModel'], hidden_size: TINY_HIDDEN, max_position_embeddings: SEQ, vocab_size: 49408 });
  json('unet/config.json', { _class_name: 'UNet2DConditionModel', in_channels: 4, out_channels: 4, sample_size: o.latentSize, cross_attention_dim: TINY_HIDDEN, ...(o.lcm ? { time_cond_proj_dim: timeCondDim } : {}) });
  const vaeConfig = { _class_name: 'AutoencoderKL', latent_channels: 4, in_channels: 3, out_channels: 3, sample_size: o.latentSize * 8, scaling_factor: TINY_SCALING_FACTOR };
  json('vae_decoder/config.json', vaeConfig);
  if (o.vaeEncoder !== 'none') json('vae_encoder/config.json', vaeConfig);
  const tokenizer = tinyTokenizer();
  json('tokenizer/vocab.json', tokenizer.vocab);
  files.push(['tokenizer/merges.txt', tokenizer.merges]);
  json('tokenizer/tokenizer_config.json', { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>', model_max_length: SEQ });
  json('tokenizer/special_tokens_map.json', { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' });

  for (const [path, content] of files) {
    const full = join(dir, path);
    await mkdir(join(full, '..'), { recursive: true });
    let data = content;
    if (o.fault === 'corrupt-unet' && path === 'unet/model.onnx' && typeof content !== 'string') {
      // A truncated download: the protobuf ends mid-message.
      data = content.subarray(0, Math.floor(content.length / 3));
    }
    await writeFile(full, data);
  }
  return dir;
}

function normals(rng: GaussianNoise, n: number, scale: number): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

function textEncoder(rng: GaussianNoise, ids: 'int64' | 'int32', io: FloatIo): GraphBuilder {
  const g = new GraphBuilder('tiny_clip_text');
  const type = ids === 'int64' ? ONNX_INT64 : ONNX_INT32;
  const input = g.input('input_ids', type, ['batch_size', 'sequence_length']);
  // Real CLIP ids reach 49407; folding them onto a small table keeps the model a few kB.
  const rows = ids === 'int64' ? g.int64s([], [VOCAB_ROWS]) : g.int32s([], [VOCAB_ROWS]);
  const folded = g.op('Mod', [input, rows]);
  const emb = g.op('Gather', [g.floats([VOCAB_ROWS, TINY_HIDDEN], normals(rng, VOCAB_ROWS * TINY_HIDDEN, 1)), folded], { axis: 0 });
  const pos = g.op('Add', [emb, g.floats([SEQ, TINY_HIDDEN], normals(rng, SEQ * TINY_HIDDEN, 0.1))]);
  const hidden = g.op('Tanh', [g.op('MatMul', [pos, g.floats([TINY_HIDDEN, TINY_HIDDEN], normals(rng, TINY_HIDDEN * TINY_HIDDEN, 0.3))])]);
  g.floatOutput(hidden, 'last_hidden_state', io, ['batch_size', 'sequence_length', TINY_HIDDEN]);
  g.floatOutput(g.op('ReduceMean', [hidden], { axes: [1], keepdims: 0 }), 'pooler_output', io, ['batch_size', TINY_HIDDEN]);
  return g;
}

function tinyUnet(rng: GaussianNoise, o: { timestep: TinyTimestepVariant; latentSize: number; channels: number; architecture: 'toy' | 'sd-like'; io: FloatIo; quantized?: boolean; fault?: string }, alphaBar: Float64Array, timeCondDim: number): GraphBuilder {
  const g = new GraphBuilder('tiny_unet');
  const L = o.latentSize;
  const C = o.channels;
  const sample = g.floatInput(o.fault === 'wrong-input-name' ? 'latent_sample' : 'sample', o.io, ['batch_size', 4, L, L]);
  // A float timestep is of the export's float type too.
  const timestep =
    o.timestep === 'int64' ? g.input('timestep', ONNX_INT64, ['steps']) : o.timestep === 'float32-scalar' ? g.floatInput('timestep', o.io, []) : g.floatInput('timestep', o.io, ['batch_size']);
  const text = g.floatInput('encoder_hidden_states', o.io, ['batch_size', 'sequence_length', TINY_HIDDEN]);
  const timeCond = timeCondDim ? g.floatInput('timestep_cond', o.io, ['batch_size', timeCondDim]) : undefined;

  const tFloat = g.op('Cast', [timestep], { to: ONNX_FLOAT });
  const tColumn = g.op('Reshape', [tFloat, g.int64s([4], [-1, 1, 1, 1])]);
  const tIndex = g.op('Cast', [g.op('Clip', [tFloat, g.floats([], [0]), g.floats([], [TRAIN_STEPS - 1])])], { to: ONNX_INT64 });
  const sqrtA = g.op('Reshape', [g.op('Gather', [g.floats([TRAIN_STEPS], Array.from(alphaBar, Math.sqrt)), tIndex]), g.int64s([4], [-1, 1, 1, 1])]);
  const sqrt1mA = g.op('Reshape', [g.op('Gather', [g.floats([TRAIN_STEPS], Array.from(alphaBar, (a) => Math.sqrt(1 - a))), tIndex]), g.int64s([4], [-1, 1, 1, 1])]);

  const pooled = g.op('ReduceMean', [text], { axes: [1], keepdims: 0 });
  let cond4 = g.op('MatMul', [pooled, g.floats([TINY_HIDDEN, 4], normals(rng, TINY_HIDDEN * 4, 0.8))]);
  if (timeCond) cond4 = g.op('Add', [cond4, g.op('MatMul', [timeCond, g.floats([timeCondDim, 4], normals(rng, timeCondDim * 4, 0.2))])]);
  const cond4Map = g.op('Reshape', [cond4, g.int64s([4], [-1, 4, 1, 1])]);
  const condC = g.op('Reshape', [g.op('MatMul', [pooled, g.floats([TINY_HIDDEN, C], normals(rng, TINY_HIDDEN * C, 0.5))]), g.int64s([4], [-1, C, 1, 1])]);
  const freqs = g.floats([1, C, 1, 1], Array.from({ length: C }, (_, i) => 1 / (1 + 20 * i)));
  const temb = g.op('Sin', [g.op('Mul', [tColumn, freqs])]);

  const w1 = normals(rng, C * 36, 0.25);
  const b1 = normals(rng, C, 0.1);
  const conv1 = o.quantized ? quantizedConv(g, sample, w1, [C, 4, 3, 3], b1, { pads: [1, 1, 1, 1] }) : g.op('Conv', [sample, g.floats([C, 4, 3, 3], w1), g.floats([C], b1)], { pads: [1, 1, 1, 1] });
  const hidden = g.op('Tanh', [g.op('Add', [g.op('Add', [conv1, temb]), condC])]);
  let conv2 = g.op('Conv', [hidden, g.floats([4, C, 3, 3], normals(rng, C * 36, 0.5 / Math.sqrt(C))), g.floats([4], [0, 0, 0, 0])], { pads: [1, 1, 1, 1] });
  if (o.architecture === 'sd-like') conv2 = g.op('Add', [conv2, sdLikeUnetBody(g, rng, sdLikeShape(C), { sample, timestep: tFloat, text, textDim: TINY_HIDDEN })]);
  const blobs = smoothPattern(rng, L);
  // One poisoned weight, as a bad fp16 conversion leaves behind.
  if (o.fault === 'nan-unet') blobs[0] = NaN;
  const pattern = g.floats([1, 4, L, L], blobs);
  const target = g.op('Tanh', [g.op('Add', [g.op('Add', [pattern, cond4Map]), g.op('Mul', [conv2, g.floats([], [0.3])])])]);
  // The exact ε̂ if clean latents were N(m, s²): x̂₀ = m + gain_t·(x_t − √ᾱ·m), ε̂ = (x_t − √ᾱ·x̂₀)/√(1−ᾱ).
  // The spread s keeps part of x_t in x̂₀, so img2img at low strength stays near its init image.
  const gain = g.op('Reshape', [g.op('Gather', [g.floats([TRAIN_STEPS], Array.from(alphaBar, (a) => (Math.sqrt(a) * DATA_VAR) / (a * DATA_VAR + 1 - a))), tIndex]), g.int64s([4], [-1, 1, 1, 1])]);
  const x0 = g.op('Add', [target, g.op('Mul', [gain, g.op('Sub', [sample, g.op('Mul', [sqrtA, target])])])]);
  g.floatOutput(g.op('Div', [g.op('Sub', [sample, g.op('Mul', [sqrtA, x0])]), sqrt1mA]), 'out_sample', o.io, ['batch_size', 4, L, L]);
  return g;
}

/**
 * A Conv as onnxruntime's dynamic quantisation rewrites it: uint8 weights (zero point 128, one
 * scale), the input quantised per call, ConvInteger in int32, then rescaled and biased in float.
 */
function quantizedConv(g: GraphBuilder, x: string, weights: number[], dims: number[], bias: number[], attributes: { pads: number[] }): string {
  const scale = Math.max(...weights.map(Math.abs)) / 127;
  const q = g.uint8s(dims, weights.map((w) => Math.round(w / scale) + 128));
  const [xq, xScale, xZero] = g.opOutputs('DynamicQuantizeLinear', [x], 3) as [string, string, string];
  const acc = g.op('ConvInteger', [xq, q, xZero, g.uint8s([], [128])], attributes);
  const rescaled = g.op('Mul', [g.op('Cast', [acc], { to: ONNX_FLOAT }), g.op('Mul', [xScale, g.floats([], [scale])])]);
  return g.op('Add', [rescaled, g.floats([1, dims[0]!, 1, 1], bias)]);
}

/** Low-frequency blobs, so the decoded picture has shapes rather than pixel noise. */
function smoothPattern(rng: GaussianNoise, L: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < 4; c++) {
    const [fx, fy, px, py] = [1 + rng.uniform() * 2, 1 + rng.uniform() * 2, rng.uniform() * 6.28, rng.uniform() * 6.28];
    for (let y = 0; y < L; y++) for (let x = 0; x < L; x++) out.push(0.9 * Math.sin((fx * x) / L * 3.14 + px) * Math.cos((fy * y) / L * 3.14 + py));
  }
  return out;
}

/** The decoder's colour map: SD 1.5's latent→RGB factors, so previews look like the decoded image. */
function decoderColours(): number[][] {
  // rgb ≈ tanh(G·z) for unscaled latents z; G = 2·scaling·Fᵀ keeps tanh in its useful range.
  return [0, 1, 2].map((c) => LATENT_RGB_FACTORS_SD15.map((row) => 2 * TINY_SCALING_FACTOR * row[c]!));
}

function vaeDecoder(rng: GaussianNoise, o: { latentSize: number; channels: number; architecture: 'toy' | 'sd-like'; io: FloatIo }): GraphBuilder {
  const L = o.latentSize;
  const g = new GraphBuilder('tiny_vae_decoder');
  const latent = g.floatInput('latent_sample', o.io, ['batch_size', 4, L, L]);
  const up = g.op('Resize', [latent, '', g.floats([4], [1, 1, 8, 8])], { mode: 'linear' });
  const G = decoderColours();
  const colour = g.op('Conv', [up, g.floats([3, 4, 1, 1], G.flat())]);
  let texture = g.op('Conv', [up, g.floats([3, 4, 3, 3], normals(rng, 108, 0.02))], { pads: [1, 1, 1, 1] });
  if (o.architecture === 'sd-like') texture = g.op('Add', [texture, g.op('Mul', [sdLikeDecoderBody(g, rng, sdLikeShape(o.channels), latent), g.floats([], [0.1])])]);
  g.floatOutput(g.op('Tanh', [g.op('Add', [colour, texture])]), 'sample', o.io, ['batch_size', 3, 8 * L, 8 * L]);
  return g;
}

function vaeEncoder(L: number, output: 'latent_sample' | 'latent_parameters', io: FloatIo): GraphBuilder {
  const g = new GraphBuilder('tiny_vae_encoder');
  const image = g.floatInput('sample', io, ['batch_size', 3, 8 * L, 8 * L]);
  const pooled = g.op('AveragePool', [image], { kernel_shape: [8, 8], strides: [8, 8] });
  // The decoder's colour map inverted (Gᵀ(GGᵀ)⁻¹), so encode→decode roughly keeps the colours.
  const inverse = pseudoInverse(decoderColours());
  const weights = inverse.flat();
  if (output === 'latent_sample') {
    g.floatOutput(g.op('Conv', [pooled, g.floats([4, 3, 1, 1], weights)]), 'latent_sample', io, ['batch_size', 4, L, L]);
  } else {
    // mean ‖ logvar; a small constant log-variance as a trained VAE has.
    const params = g.op('Conv', [pooled, g.floats([8, 3, 1, 1], [...weights, ...new Array<number>(12).fill(0)]), g.floats([8], [0, 0, 0, 0, -6, -6, -6, -6])]);
    g.floatOutput(params, 'latent_parameters', io, ['batch_size', 8, L, L]);
  }
  return g;
}

/** Moore–Penrose inverse of a full-row-rank 3×4 matrix: Gᵀ(GGᵀ)⁻¹, a 4×3 matrix. */
function pseudoInverse(G: number[][]): number[][] {
  const ggt = [0, 1, 2].map((i) => [0, 1, 2].map((j) => G[i]!.reduce((s, v, k) => s + v * G[j]![k]!, 0)));
  const [a, b, c] = ggt as [number[], number[], number[]];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  const inv = [
    [b[1]! * c[2]! - b[2]! * c[1]!, a[2]! * c[1]! - a[1]! * c[2]!, a[1]! * b[2]! - a[2]! * b[1]!],
    [b[2]! * c[0]! - b[0]! * c[2]!, a[0]! * c[2]! - a[2]! * c[0]!, a[2]! * b[0]! - a[0]! * b[2]!],
    [b[0]! * c[1]! - b[1]! * c[0]!, a[1]! * c[0]! - a[0]! * c[1]!, a[0]! * b[1]! - a[1]! * b[0]!],
  ].map((row) => row.map((v) => v / det));
  return [0, 1, 2, 3].map((k) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, i) => s + G[i]![k]! * inv[i]![j]!, 0)));
}

/**
 * A small CLIP-style vocabulary: the 512 byte symbols in CLIP's order (so their ids are CLIP's),
 * a few merged words, and the special tokens at CLIP's ids 49406/49407.
 */
export function tinyTokenizer(): { vocab: Record<string, number>; merges: string } {
  const symbols = bytesToUnicode();
  const order: number[] = [];
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  for (let b = 0; b < 256; b++) if (printable(b)) order.push(b);
  for (let b = 0; b < 256; b++) if (!printable(b)) order.push(b);
  const vocab: Record<string, number> = {};
  order.forEach((byte, i) => {
    vocab[symbols[byte]!] = i;
    vocab[`${symbols[byte]!}</w>`] = 256 + i;
  });
  const lines = ['#version: 0.2'];
  let next = 512;
  for (const word of ['the', 'forest', 'river', 'city', 'night', 'sunset', 'cat', 'photo', 'style', 'watercolor']) {
    let current = word[0]!;
    for (let i = 1; i < word.length; i++) {
      const piece = i === word.length - 1 ? `${word[i]}</w>` : word[i]!;
      lines.push(`${current} ${piece}`);
      current += piece;
      if (vocab[current] === undefined) vocab[current] = next++;
    }
  }
  vocab['<|startoftext|>'] = 49406;
  vocab['<|endoftext|>'] = 49407;
  return { vocab, merges: `${lines.join('\n')}\n` };
}
