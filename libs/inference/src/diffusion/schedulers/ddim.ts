import type { GaussianNoise } from '../random';
import { alphasCumprod, roundHalfEven, spacedTimesteps, type SchedulerConfig } from './config';
import { checkIndex, vpAddNoise, type GuidedOutput, type Scheduler, type StepResult } from './scheduler';

/** DDIM with η = 0 (deterministic), as diffusers' DDIMScheduler. */
export class DdimScheduler implements Scheduler {
  readonly kind = 'ddim' as const;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  private readonly alphaBar: Float64Array;
  private readonly finalAlphaBar: number;
  private readonly stride: number;

  constructor(
    readonly config: SchedulerConfig,
    steps: number,
  ) {
    this.alphaBar = alphasCumprod(config);
    this.finalAlphaBar = config.setAlphaToOne ? 1 : this.alphaBar[0]!;
    this.timesteps = spacedTimesteps(config, steps).map(roundHalfEven);
    // diffusers steps back by N/steps whatever the spacing, not to the next listed timestep.
    this.stride = Math.floor(config.numTrainTimesteps / steps);
  }

  scaleModelInput(sample: Float32Array, index: number, out?: Float32Array): Float32Array {
    checkIndex(index, this.timesteps);
    if (!out) return sample;
    out.set(sample);
    return out;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: GaussianNoise): StepResult {
    const into = { prevSample: new Float32Array(sample.length), predOriginal: new Float32Array(sample.length) };
    this.stepInto(modelOutput, index, sample, noise, into);
    return into;
  }

  stepInto(modelOutput: Float32Array | GuidedOutput, index: number, sample: Float32Array, _noise: GaussianNoise, into: StepResult): boolean {
    checkIndex(index, this.timesteps);
    const t = this.timesteps[index]!;
    const prevT = t - this.stride;
    const at = this.alphaBar[t]!;
    const aPrev = prevT >= 0 ? this.alphaBar[prevT]! : this.finalAlphaBar;
    // Guidance, predictOriginal, clipping and the update fused into one pass; every intermediate
    // is rounded to float32 where the unfused version stores it, so the results are the same bits.
    // A plain output goes through the same loop with its values taken as they are.
    const plain = modelOutput instanceof Float32Array;
    const { uncond, cond, scale } = plain ? { uncond: modelOutput, cond: modelOutput, scale: 0 } : modelOutput;
    const a0 = Math.sqrt(at);
    const b0 = Math.sqrt(1 - at);
    const a = Math.sqrt(aPrev);
    const b = Math.sqrt(1 - aPrev);
    const clip = this.config.clipSample;
    const r = this.config.clipSampleRange;
    const epsilon = this.config.predictionType === 'epsilon';
    const n = sample.length;
    const x0 = into.predOriginal;
    const prev = into.prevSample;
    let finite = 0;
    for (let i = 0; i < n; i++) {
      const u = uncond[i]!;
      const o = plain ? u : Math.fround(u + scale * (cond[i]! - u));
      finite += o - o;
      const s = sample[i]!;
      let x = epsilon ? Math.fround((s - b0 * o) / a0) : Math.fround(a0 * s - b0 * o);
      const eps = epsilon ? o : Math.fround(a0 * o + b0 * s);
      if (clip) x = Math.fround(Math.min(r, Math.max(-r, x)));
      x0[i] = x;
      prev[i] = a * x + b * eps;
    }
    return finite === 0;
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return vpAddNoise(original, noise, this.alphaBar[this.timesteps[index]!]!);
  }
}
