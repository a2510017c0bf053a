import type { GaussianNoise } from '../random';
import { alphasCumprod, roundHalfEven, spacedTimesteps, type SchedulerConfig } from './config';
import { checkIndex, predictOriginal, vpAddNoise, type Scheduler, type StepResult } from './scheduler';

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

  scaleModelInput(sample: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, _noise: GaussianNoise): StepResult {
    checkIndex(index, this.timesteps);
    const t = this.timesteps[index]!;
    const prevT = t - this.stride;
    const at = this.alphaBar[t]!;
    const aPrev = prevT >= 0 ? this.alphaBar[prevT]! : this.finalAlphaBar;
    const { x0, eps } = predictOriginal(this.config, modelOutput, sample, at);
    if (this.config.clipSample) {
      const r = this.config.clipSampleRange;
      for (let i = 0; i < x0.length; i++) x0[i] = Math.min(r, Math.max(-r, x0[i]!));
    }
    const a = Math.sqrt(aPrev);
    const b = Math.sqrt(1 - aPrev);
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) prev[i] = a * x0[i]! + b * eps[i]!;
    return { prevSample: prev, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return vpAddNoise(original, noise, this.alphaBar[this.timesteps[index]!]!);
  }
}
