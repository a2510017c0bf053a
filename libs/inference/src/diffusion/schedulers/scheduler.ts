import type { GaussianNoise } from '../random';
import type { SchedulerConfig, SchedulerKind } from './config';

export interface StepResult {
  /** The latents for the next step (the final latents after the last step). */
  prevSample: Float32Array;
  /** The model's current estimate of the clean latents: what previews show. */
  predOriginal: Float32Array;
}

/**
 * Classifier-free guidance: the model output is uncond + scale·(cond − uncond), each value
 * rounded to float32 (as when stored in a Float32Array before the step reads it).
 */
export interface GuidedOutput {
  uncond: Float32Array;
  cond: Float32Array;
  scale: number;
}

/** The guidance combination of a GuidedOutput, stored (the unfused form, for schedulers that have no fused step). */
export function combineGuidance(g: GuidedOutput, out = new Float32Array(g.cond.length)): Float32Array {
  const { uncond, cond, scale } = g;
  for (let k = 0; k < out.length; k++) out[k] = uncond[k]! + scale * (cond[k]! - uncond[k]!);
  return out;
}

/** All values finite? (v − v is 0 for a finite v, NaN otherwise, and a NaN sticks.) */
export function allFinite(data: Float32Array): boolean {
  let finite = 0;
  for (let i = 0; i < data.length; i++) finite += data[i]! - data[i]!;
  return finite === 0;
}

/**
 * One sampling run's schedule. Built for a fixed number of steps; step `index` refers to
 * `timesteps[index]`. img2img starts at a later index after addNoise at that index.
 */
export interface Scheduler {
  readonly kind: SchedulerKind;
  readonly config: SchedulerConfig;
  /** The timestep handed to the UNet at each step, highest first (may be fractional for Euler). */
  readonly timesteps: readonly number[];
  /** Standard deviation of the starting noise for txt2img. */
  readonly initNoiseSigma: number;
  /**
   * What the UNet sees at step `index` (Euler divides by √(σ²+1); the VP samplers pass it through).
   * With `out`, the result is written there (and returned) instead of into a new array, or `sample` itself.
   */
  scaleModelInput(sample: Float32Array, index: number, out?: Float32Array): Float32Array;
  /** One denoising step from the UNet's output; stochastic samplers draw from `noise`. */
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: GaussianNoise): StepResult;
  /**
   * step() without allocating, for the sampling loop: the next latents go to `into.prevSample`
   * (which may be `sample` itself: every value depends only on the same position) and x̂₀ to
   * `into.predOriginal`. With a GuidedOutput, the classifier-free-guidance combination is made in
   * the same pass. Returns false when a model output (or combined output) was NaN or infinite;
   * `into` then holds garbage. The same bits as step() on the same output.
   */
  stepInto(modelOutput: Float32Array | GuidedOutput, index: number, sample: Float32Array, noise: GaussianNoise, into: StepResult): boolean;
  /** Clean latents noised to the level of step `index` (img2img's starting point). */
  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array;
}

/**
 * x̂₀ from a UNet output in the variance-preserving parameterisation x = √ᾱ·x₀ + √(1−ᾱ)·ε,
 * and the matching ε̂ (DDIM needs both; v-prediction yields them through a rotation).
 */
export function predictOriginal(config: SchedulerConfig, output: Float32Array, sample: Float32Array, alphaBar: number): { x0: Float32Array; eps: Float32Array } {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const x0 = new Float32Array(sample.length);
  const eps = new Float32Array(sample.length);
  if (config.predictionType === 'epsilon') {
    for (let i = 0; i < sample.length; i++) {
      x0[i] = (sample[i]! - b * output[i]!) / a;
      eps[i] = output[i]!;
    }
  } else {
    for (let i = 0; i < sample.length; i++) {
      x0[i] = a * sample[i]! - b * output[i]!;
      eps[i] = a * output[i]! + b * sample[i]!;
    }
  }
  return { x0, eps };
}

export function vpAddNoise(original: Float32Array, noise: Float32Array, alphaBar: number): Float32Array {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = a * original[i]! + b * noise[i]!;
  return out;
}

export function checkIndex(index: number, timesteps: readonly number[]): void {
  if (!Number.isInteger(index) || index < 0 || index >= timesteps.length) throw new RangeError(`step index ${index} outside 0…${timesteps.length - 1}`);
}
