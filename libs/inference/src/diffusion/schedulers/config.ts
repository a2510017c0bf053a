/**
 * scheduler_config.json as diffusers writes it, with diffusers' defaults for absent keys. Only
 * the keys that change the math are read; unknown keys are ignored, unsupported values refused.
 */
export interface SchedulerConfig {
  className: string;
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'linear' | 'scaled_linear';
  predictionType: 'epsilon' | 'v_prediction';
  timestepSpacing: 'linspace' | 'leading' | 'trailing';
  stepsOffset: number;
  clipSample: boolean;
  clipSampleRange: number;
  setAlphaToOne: boolean;
  originalInferenceSteps: number;
  timestepScaling: number;
}

export type SchedulerKind = 'euler' | 'euler-ancestral' | 'ddim' | 'lcm';

const CLASS_KINDS: Record<string, SchedulerKind> = {
  EulerDiscreteScheduler: 'euler',
  EulerAncestralDiscreteScheduler: 'euler-ancestral',
  DDIMScheduler: 'ddim',
  LCMScheduler: 'lcm',
};

/** Which sampler a config names; Stable Diffusion exports usually say PNDM, which Euler replaces well. */
export function schedulerKindOf(config: SchedulerConfig): SchedulerKind {
  return CLASS_KINDS[config.className] ?? 'euler';
}

function pick<T extends string>(raw: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`scheduler_config.json: ${key} ${JSON.stringify(v)} is not supported (expected ${allowed.join(' | ')})`);
  }
  return v as T;
}

function num(raw: Record<string, unknown>, key: string, fallback: number): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`scheduler_config.json: ${key} must be a number`);
  return v;
}

/**
 * Defaults differ per scheduler class in diffusers (DDIM: leading spacing and clip_sample on;
 * Euler: linspace), so the class decides them when the file leaves a key out.
 */
export function parseSchedulerConfig(raw: Record<string, unknown>, kind?: SchedulerKind): SchedulerConfig {
  const className = typeof raw._class_name === 'string' ? raw._class_name : 'EulerDiscreteScheduler';
  const k = kind ?? CLASS_KINDS[className] ?? 'euler';
  const config: SchedulerConfig = {
    className,
    numTrainTimesteps: num(raw, 'num_train_timesteps', 1000),
    betaStart: num(raw, 'beta_start', 0.0001),
    betaEnd: num(raw, 'beta_end', 0.02),
    betaSchedule: pick(raw, 'beta_schedule', ['linear', 'scaled_linear'], 'linear'),
    predictionType: pick(raw, 'prediction_type', ['epsilon', 'v_prediction'], 'epsilon'),
    timestepSpacing: pick(raw, 'timestep_spacing', ['linspace', 'leading', 'trailing'], k === 'ddim' || k === 'lcm' ? 'leading' : 'linspace'),
    stepsOffset: num(raw, 'steps_offset', 0),
    clipSample: raw.clip_sample === undefined ? k === 'ddim' : raw.clip_sample === true,
    clipSampleRange: num(raw, 'clip_sample_range', 1),
    setAlphaToOne: raw.set_alpha_to_one === undefined ? true : raw.set_alpha_to_one === true,
    originalInferenceSteps: num(raw, 'original_inference_steps', 50),
    timestepScaling: num(raw, 'timestep_scaling', 10),
  };
  if (!Number.isInteger(config.numTrainTimesteps) || config.numTrainTimesteps < 2) throw new Error('scheduler_config.json: num_train_timesteps must be an integer ≥ 2');
  if (!(config.betaStart > 0 && config.betaEnd > config.betaStart && config.betaEnd < 1)) throw new Error('scheduler_config.json: need 0 < beta_start < beta_end < 1');
  return config;
}

/** ᾱ_t for t = 0 … N−1: the share of signal variance left at each training timestep. */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const n = config.numTrainTimesteps;
  const out = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    const beta =
      config.betaSchedule === 'scaled_linear'
        ? (Math.sqrt(config.betaStart) + f * (Math.sqrt(config.betaEnd) - Math.sqrt(config.betaStart))) ** 2
        : config.betaStart + f * (config.betaEnd - config.betaStart);
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}

/**
 * The training timesteps visited by `steps` sampling steps, highest first, per the config's
 * spacing (diffusers' "Common Diffusion Noise Schedules and Sample Steps are Flawed", table 2).
 * linspace keeps fractional values; Euler interpolates sigmas there, DDIM rounds.
 */
export function spacedTimesteps(config: SchedulerConfig, steps: number): number[] {
  const n = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > n) throw new RangeError(`steps must be an integer from 1 to ${n}, got ${steps}`);
  let out: number[];
  if (config.timestepSpacing === 'linspace') {
    // Fractional on purpose: Euler interpolates its sigmas there; integer-only schedulers round.
    out = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : ((n - 1) * i) / (steps - 1)));
  } else if (config.timestepSpacing === 'leading') {
    const ratio = Math.floor(n / steps);
    out = Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset);
  } else {
    const ratio = n / steps;
    out = Array.from({ length: steps }, (_, i) => roundHalfEven(n - i * ratio) - 1).reverse();
  }
  out.reverse();
  if (out[0]! > n - 1) throw new RangeError(`steps_offset ${config.stepsOffset} pushes timestep ${out[0]} past ${n - 1}; use fewer steps`);
  return out;
}

/** numpy's round(): halves go to the even neighbour, so 812.5 → 812 as in diffusers. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
