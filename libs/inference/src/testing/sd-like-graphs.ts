import type { GaussianNoise } from '../diffusion/random';
import type { GraphBuilder } from './tiny-onnx-graph';

/**
 * The building blocks of Stable Diffusion's UNet and VAE decoder, with random weights, for
 * benchmark models whose work per step is shaped like the real one: group-normalised residual
 * blocks with a timestep embedding, self- and cross-attention over the prompt, stride-2
 * downsampling, nearest-neighbour upsampling with skip connections, and a decoder that upsamples
 * 8× through convolutions. The tiny test models' single convolution makes every ONNX Runtime call
 * nearly free, so the time around the calls looks far larger than it is next to a real model.
 *
 * GroupNorm is written as ONNX exports of diffusers write it below opset 18: a reshape to groups,
 * InstanceNormalization, a reshape back, then the affine part.
 */
export interface SdLikeShape {
  /** Channels per UNet level, highest resolution first; each level but the last halves the side. */
  levels: number[];
  /** Residual blocks per level on the way down (one more on the way up, as diffusers does). */
  blocks: number;
  /** Which levels have a transformer after each residual block. */
  attention: boolean[];
  /** Attention heads in the UNet's transformers. */
  heads: number;
  /** Channels of the decoder's stages, latent resolution first; each stage but the last doubles the side. */
  decoder: number[];
  /** Residual blocks per decoder stage. */
  decoderBlocks: number;
}

/** Stable Diffusion 1.5's own UNet and VAE decoder layout (about 860 M and 50 M parameters in the real ones). */
export const SD15_SHAPE: SdLikeShape = { levels: [320, 640, 1280, 1280], blocks: 2, attention: [true, true, true, false], heads: 8, decoder: [512, 512, 256, 128], decoderBlocks: 3 };

/** A small model in SD 1.5's layout: three levels at `base`, 2·base, 4·base channels, one block each, one head. */
export function sdLikeShape(base: number): SdLikeShape {
  return { levels: [base, 2 * base, 4 * base], blocks: 1, attention: [true, true, false], heads: 1, decoder: [4 * base, 4 * base, 2 * base, base].map((c) => Math.max(8, c / 2)), decoderBlocks: 1 };
}

/** Every body checks the shape it is given. */
function checkShape(shape: SdLikeShape): void {
  const groupsOk = (c: number) => c % Math.min(32, c) === 0;
  if (![...shape.levels, ...shape.decoder].every(groupsOk)) throw new RangeError('channel counts must split into groups of 32 (or be below 32)');
  if (shape.attention.length !== shape.levels.length) throw new RangeError('one attention flag per level');
  if (shape.levels.some((c) => c % shape.heads !== 0)) throw new RangeError(`channels must divide into ${shape.heads} heads`);
  if (shape.decoder.length !== 4) throw new RangeError('the decoder has four stages (8× upsampling)');
}

class Blocks {
  constructor(
    private readonly g: GraphBuilder,
    private readonly rng: GaussianNoise,
  ) {}

  /** He-style scale, so activations keep about unit size through the random layers. */
  weights(dims: number[], fanIn: number, gain = 1): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = this.rng.normals(n);
    const scale = gain / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) values[i] = values[i]! * scale;
    return this.g.floats(dims, values);
  }

  conv(x: string, cin: number, cout: number, kernel = 3, stride = 1, gain = 1): string {
    const pad = (kernel - 1) / 2;
    return this.g.op('Conv', [x, this.weights([cout, cin, kernel, kernel], cin * kernel * kernel, gain), this.g.floats([cout], new Float32Array(cout))], { pads: [pad, pad, pad, pad], strides: [stride, stride] });
  }

  groupNorm(x: string, channels: number): string {
    const groups = Math.min(32, channels);
    const g = this.g;
    const grouped = g.op('Reshape', [x, g.int64s([3], [0, groups, -1])]);
    const normed = g.op('InstanceNormalization', [grouped, g.floats([groups], new Float32Array(groups).fill(1)), g.floats([groups], new Float32Array(groups))], { epsilon: { float: 1e-5 } });
    const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
    return g.op('Add', [g.op('Mul', [back, g.floats([1, channels, 1, 1], new Float32Array(channels).fill(1))]), g.floats([1, channels, 1, 1], new Float32Array(channels))]);
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  linear(x: string, cin: number, cout: number, gain = 1): string {
    return this.g.op('MatMul', [x, this.weights([cin, cout], cin, gain)]);
  }

  /** diffusers' ResnetBlock2D: norm, SiLU, conv, + timestep embedding, norm, SiLU, conv, + skip. */
  resBlock(x: string, cin: number, cout: number, temb?: { vector: string; dim: number }): string {
    let h = this.conv(this.silu(this.groupNorm(x, cin)), cin, cout);
    if (temb) h = this.g.op('Add', [h, this.g.op('Reshape', [this.linear(this.silu(temb.vector), temb.dim, cout), this.g.int64s([4], [-1, cout, 1, 1])])]);
    h = this.conv(this.silu(this.groupNorm(h, cout)), cout, cout, 3, 1, 0.5);
    const skip = cin === cout ? x : this.conv(x, cin, cout, 1);
    return this.g.op('Add', [skip, h]);
  }

  /** Scaled dot-product attention over `heads` heads: [B, N, C] queries over [B, M, D] keys/values. */
  attend(tokens: string, c: number, context: string, contextDim: number, heads: number): string {
    const g = this.g;
    const d = c / heads;
    const q = this.linear(tokens, c, c);
    const k = this.linear(context, contextDim, c);
    const v = this.linear(context, contextDim, c);
    // One head needs no split into heads (and pays no transposes for it), as a single-head export.
    if (heads === 1) {
      const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]), g.floats([], [1 / Math.sqrt(c)])]);
      return this.linear(g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]), c, c, 0.5);
    }
    const split = g.int64s([4], [0, 0, heads, d]);
    const qh = g.op('Transpose', [g.op('Reshape', [q, split])], { perm: [0, 2, 1, 3] });
    const kh = g.op('Transpose', [g.op('Reshape', [k, split])], { perm: [0, 2, 3, 1] });
    const vh = g.op('Transpose', [g.op('Reshape', [v, split])], { perm: [0, 2, 1, 3] });
    const scores = g.op('Mul', [g.op('MatMul', [qh, kh]), g.floats([], [1 / Math.sqrt(d)])]);
    const merged = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), vh])], { perm: [0, 2, 1, 3] }), g.int64s([3], [0, 0, c])]);
    return this.linear(merged, c, c, 0.5);
  }

  /** diffusers' Transformer2DModel (one block): self-attention, cross-attention to the prompt, GEGLU feed-forward. */
  transformer(x: string, c: number, heads: number, text?: { states: string; dim: number }): string {
    const g = this.g;
    const flat = g.op('Transpose', [g.op('Reshape', [this.groupNorm(x, c), g.int64s([3], [0, c, -1])])], { perm: [0, 2, 1] });
    let h = g.op('Add', [flat, this.attend(flat, c, flat, c, heads)]);
    if (text) h = g.op('Add', [h, this.attend(h, c, text.states, text.dim, heads)]);
    // GEGLU as in SD 1.5: a projection to 8C split into values and gates, GELU on the gates
    // (as x·σ(1.702x), the form older exports fold it to), back to C.
    const [values, gates] = g.opOutputs('Split', [this.linear(h, c, 8 * c), g.int64s([2], [4 * c, 4 * c])], 2, { axis: -1 }) as [string, string];
    const gelu = g.op('Mul', [gates, g.op('Sigmoid', [g.op('Mul', [gates, g.floats([], [1.702])])])]);
    h = g.op('Add', [h, this.linear(g.op('Mul', [values, gelu]), 4 * c, c, 0.5)]);
    const back = g.op('Reshape', [g.op('Transpose', [h], { perm: [0, 2, 1] }), g.op('Shape', [x])]);
    return g.op('Add', [x, back]);
  }

  upsample(x: string, c: number): string {
    const up = this.g.op('Resize', [x, '', this.g.floats([4], [1, 1, 2, 2])], { mode: 'nearest' });
    return this.conv(up, c, c);
  }
}

/**
 * A UNet body: `sample` [B, 4, L, L] → [B, 4, L, L], conditioned on `timestep` (float, any shape
 * of 1 or B values) and the text encoder's states [B, S, textDim]. L must be divisible by
 * 2^(levels−1). The wiring is diffusers' UNet2DConditionModel: every block's output is a skip,
 * the way up takes one block more per level than the way down, a middle block of residual,
 * transformer, residual.
 */
export function sdLikeUnetBody(g: GraphBuilder, rng: GaussianNoise, shape: SdLikeShape, inputs: { sample: string; timestep: string; text: string; textDim: number }): string {
  checkShape(shape);
  const b = new Blocks(g, rng);
  const { levels, heads } = shape;
  const tDim = levels[0]! * 4;
  const half = tDim / 2;
  const freqs = g.floats([1, half], Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)));
  const angles = g.op('Mul', [g.op('Reshape', [inputs.timestep, g.int64s([2], [-1, 1])]), freqs]);
  const sinusoid = g.op('Concat', [g.op('Cos', [angles]), g.op('Sin', [angles])], { axis: 1 });
  const temb = { vector: b.linear(b.silu(b.linear(sinusoid, tDim, tDim)), tDim, tDim), dim: tDim };
  const text = { states: inputs.text, dim: inputs.textDim };

  let h = b.conv(inputs.sample, 4, levels[0]!);
  let c = levels[0]!;
  const skips: { name: string; channels: number }[] = [{ name: h, channels: c }];
  levels.forEach((width, i) => {
    for (let j = 0; j < shape.blocks; j++) {
      h = b.resBlock(h, c, width, temb);
      c = width;
      if (shape.attention[i]) h = b.transformer(h, c, heads, text);
      skips.push({ name: h, channels: c });
    }
    if (i < levels.length - 1) {
      h = b.conv(h, c, c, 3, 2);
      skips.push({ name: h, channels: c });
    }
  });
  h = b.resBlock(b.transformer(b.resBlock(h, c, c, temb), c, heads, text), c, c, temb);
  for (let i = levels.length - 1; i >= 0; i--) {
    for (let j = 0; j <= shape.blocks; j++) {
      const skip = skips.pop()!;
      h = b.resBlock(g.op('Concat', [h, skip.name], { axis: 1 }), c + skip.channels, levels[i]!, temb);
      c = levels[i]!;
      if (shape.attention[i]) h = b.transformer(h, c, heads, text);
    }
    if (i > 0) h = b.upsample(h, c);
  }
  return b.conv(b.silu(b.groupNorm(h, c)), c, 4, 3, 1, 0.5);
}

/** A VAE decoder body: latents [B, 4, L, L] → [B, 3, 8L, 8L], with SD's mid-block self-attention. */
export function sdLikeDecoderBody(g: GraphBuilder, rng: GaussianNoise, shape: SdLikeShape, latent: string): string {
  checkShape(shape);
  const b = new Blocks(g, rng);
  let c = shape.decoder[0]!;
  let h = b.resBlock(b.transformer(b.resBlock(b.conv(latent, 4, c), c, c), c, 1), c, c);
  shape.decoder.forEach((width, k) => {
    for (let j = 0; j < shape.decoderBlocks; j++) {
      h = b.resBlock(h, c, width);
      c = width;
    }
    if (k < shape.decoder.length - 1) h = b.upsample(h, c);
  });
  return b.conv(b.silu(b.groupNorm(h, c)), c, 3, 3, 1, 0.5);
}
