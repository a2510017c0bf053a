import type { GaussianNoise } from '../random';
import { alphasCumprod, spacedTimesteps, type SchedulerConfig } from './config';
import { checkIndex, type GuidedOutput, type Scheduler, type StepResult } from './scheduler';

/**
 * Euler (Karras et al. 2022, as diffusers' EulerDiscreteScheduler) in σ-space, where
 * x = x₀ + σ·ε. The ancestral variant overshoots to σ_down and adds fresh noise σ_up, which
 * trades exactness for variety.
 */
export class EulerScheduler implements Scheduler {
  readonly kind: 'euler' | 'euler-ancestral';
  readonly timesteps: readonly number[];
  /** σ per step, plus a final 0. */
  readonly sigmas: readonly number[];
  readonly initNoiseSigma: number;

  constructor(
    readonly config: SchedulerConfig,
    steps: number,
    ancestral = false,
  ) {
    this.kind = ancestral ? 'euler-ancestral' : 'euler';
    const ac = alphasCumprod(config);
    const table = Array.from(ac, (a) => Math.sqrt((1 - a) / a));
    this.timesteps = spacedTimesteps(config, steps);
    this.sigmas = [...this.timesteps.map((t) => interpolate(table, t)), 0];
    const max = Math.max(...this.sigmas);
    // diffusers: the noise is x = x₀ + σ·ε, but 'leading' spacing keeps the extra unit variance of x₀.
    this.initNoiseSigma = config.timestepSpacing === 'leading' ? Math.sqrt(max * max + 1) : max;
  }

  scaleModelInput(sample: Float32Array, index: number, out = new Float32Array(sample.length)): Float32Array {
    checkIndex(index, this.timesteps);
    const s = 1 / Math.sqrt(this.sigmas[index]! ** 2 + 1);
    for (let i = 0; i < sample.length; i++) out[i] = sample[i]! * s;
    return out;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: GaussianNoise): StepResult {
    const into = { prevSample: new Float32Array(sample.length), predOriginal: new Float32Array(sample.length) };
    this.stepInto(modelOutput, index, sample, noise, into);
    return into;
  }

  stepInto(modelOutput: Float32Array | GuidedOutput, index: number, sample: Float32Array, noise: GaussianNoise, into: StepResult): boolean {
    checkIndex(index, this.timesteps);
    const sigma = this.sigmas[index]!;
    const next = this.sigmas[index + 1]!;
    let target = next;
    let up = 0;
    if (this.kind === 'euler-ancestral') {
      up = Math.sqrt(Math.max(0, (next * next * (sigma * sigma - next * next)) / (sigma * sigma)));
      target = Math.sqrt(Math.max(0, next * next - up * up));
    }
    const dt = target - sigma;
    const n = sample.length;
    const x0 = into.predOriginal;
    const prev = into.prevSample;
    // A plain output goes through the same loop with its values taken as they are.
    const plain = modelOutput instanceof Float32Array;
    const { uncond, cond, scale } = plain ? { uncond: modelOutput, cond: modelOutput, scale: 0 } : modelOutput;
    // One pass: the guided output and x̂₀ are rounded to float32 (as stored) before they are used,
    // and the ancestral noise is drawn in element order, so results match the multi-pass form.
    // `sample` is read before `prev` is written, so the two may be the same array.
    let finite = 0;
    if (this.config.predictionType === 'epsilon') {
      for (let i = 0; i < n; i++) {
        const u = uncond[i]!;
        const o = plain ? u : Math.fround(u + scale * (cond[i]! - u));
        finite += o - o;
        const s = sample[i]!;
        const x = Math.fround(s - sigma * o);
        x0[i] = x;
        prev[i] = s + ((s - x) / sigma) * dt + (up > 0 ? up * noise.normal() : 0);
      }
    } else {
      const c = -sigma / Math.sqrt(sigma * sigma + 1);
      const d = 1 / (sigma * sigma + 1);
      for (let i = 0; i < n; i++) {
        const u = uncond[i]!;
        const o = plain ? u : Math.fround(u + scale * (cond[i]! - u));
        finite += o - o;
        const s = sample[i]!;
        const x = Math.fround(o * c + s * d);
        x0[i] = x;
        prev[i] = s + ((s - x) / sigma) * dt + (up > 0 ? up * noise.normal() : 0);
      }
    }
    return finite === 0;
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    const sigma = this.sigmas[index]!;
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = original[i]! + sigma * noise[i]!;
    return out;
  }
}

/** Linear interpolation of a per-integer-timestep table at a fractional timestep. */
function interpolate(table: readonly number[], t: number): number {
  const lo = Math.max(0, Math.min(table.length - 1, Math.floor(t)));
  const hi = Math.min(table.length - 1, lo + 1);
  const f = t - lo;
  return table[lo]! * (1 - f) + table[hi]! * f;
}
