import type { GaussianNoise } from '../random';
import { alphasCumprod, type SchedulerConfig } from './config';
import { allFinite, checkIndex, combineGuidance, predictOriginal, vpAddNoise, type GuidedOutput, type Scheduler, type StepResult } from './scheduler';

/** The consistency-distillation boundary condition's data scale (diffusers' LCMScheduler). */
const SIGMA_DATA = 0.5;

/**
 * Latent Consistency Model sampling: each step jumps to a clean estimate, then re-noises it to
 * the next timestep with fresh noise. Timesteps are drawn from the distillation's own grid of
 * `original_inference_steps` points, so 4 steps land on 999, 759, 499, 259.
 */
export class LcmScheduler implements Scheduler {
  readonly kind = 'lcm' as const;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  private readonly alphaBar: Float64Array;
  private readonly finalAlphaBar: number;

  constructor(
    readonly config: SchedulerConfig,
    steps: number,
  ) {
    this.alphaBar = alphasCumprod(config);
    this.finalAlphaBar = config.setAlphaToOne ? 1 : this.alphaBar[0]!;
    const original = config.originalInferenceSteps;
    const k = Math.floor(config.numTrainTimesteps / original);
    if (!Number.isInteger(steps) || steps < 1 || steps > original) throw new RangeError(`LCM steps must be an integer from 1 to ${original}, got ${steps}`);
    const grid = Array.from({ length: original }, (_, i) => (original - i) * k - 1);
    this.timesteps = Array.from({ length: steps }, (_, i) => grid[Math.floor((i * original) / steps)]!);
  }

  scaleModelInput(sample: Float32Array, index: number, out?: Float32Array): Float32Array {
    checkIndex(index, this.timesteps);
    if (!out) return sample;
    out.set(sample);
    return out;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: GaussianNoise): StepResult {
    checkIndex(index, this.timesteps);
    const t = this.timesteps[index]!;
    const last = index === this.timesteps.length - 1;
    const prevT = last ? t : this.timesteps[index + 1]!;
    const scaled = t * this.config.timestepScaling;
    const cSkip = SIGMA_DATA ** 2 / (scaled * scaled + SIGMA_DATA ** 2);
    const cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA ** 2);
    const { x0 } = predictOriginal(this.config, modelOutput, sample, this.alphaBar[t]!);
    const denoised = new Float32Array(sample.length);
    for (let i = 0; i < denoised.length; i++) denoised[i] = cOut * x0[i]! + cSkip * sample[i]!;
    if (last) return { prevSample: denoised, predOriginal: denoised };
    const aPrev = prevT >= 0 ? this.alphaBar[prevT]! : this.finalAlphaBar;
    return { prevSample: vpAddNoise(denoised, noise.normals(denoised.length), aPrev), predOriginal: denoised };
  }

  stepInto(modelOutput: Float32Array | GuidedOutput, index: number, sample: Float32Array, noise: GaussianNoise, into: StepResult): boolean {
    // LCM runs 2–8 steps, mostly without a second (unconditional) pass: the unfused form is fine.
    const output = modelOutput instanceof Float32Array ? modelOutput : combineGuidance(modelOutput);
    if (!allFinite(output)) return false;
    const result = this.step(output, index, sample, noise);
    into.prevSample.set(result.prevSample);
    into.predOriginal.set(result.predOriginal);
    return true;
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return vpAddNoise(original, noise, this.alphaBar[this.timesteps[index]!]!);
  }
}

/**
 * LCM's guidance embedding for the UNet's `timestep_cond`: w = (guidance − 1)·1000, sinusoidal,
 * sines first then cosines (diffusers' get_guidance_scale_embedding).
 */
export function guidanceEmbedding(guidance: number, dim: number): Float32Array {
  const w = (guidance - 1) * 1000;
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const scale = Math.log(10000) / (half - 1);
  for (let i = 0; i < half; i++) {
    const arg = w * Math.exp(-scale * i);
    out[i] = Math.sin(arg);
    out[half + i] = Math.cos(arg);
  }
  return out;
}
