import { describe, expect, it } from 'vitest';
import { GaussianNoise } from '../random';
import { alphasCumprod, createScheduler, guidanceEmbedding, parseSchedulerConfig, SCHEDULER_KINDS, spacedTimesteps, type Scheduler, type SchedulerConfig, type SchedulerKind } from './index';

const SD15 = { _class_name: 'PNDMScheduler', beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, steps_offset: 1, prediction_type: 'epsilon', clip_sample: false, set_alpha_to_one: false };

/**
 * The analytic oracle: for data x₀ ~ N(μ, s²) per dimension and x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, the
 * exact denoiser is E[x₀|x_t] = μ + √ᾱ·s²/(ᾱs² + 1 − ᾱ) · (x_t − √ᾱ·μ). A sampler fed the exact
 * ε̂ (or v̂) built from it must turn N(0, I) noise into samples from N(μ, s²).
 */
function oracle(config: SchedulerConfig, mu: Float32Array, s: number) {
  const sigmas = Array.from(alphasCumprod(config), (a) => Math.sqrt((1 - a) / a));
  // The UNet is conditioned on a (possibly fractional) timestep; map it to ᾱ the way σ-space
  // schedulers interpolate, which is exact at integer timesteps.
  const alphaBarAt = (t: number) => {
    const lo = Math.floor(t);
    const hi = Math.min(sigmas.length - 1, lo + 1);
    const sigma = sigmas[lo]! * (1 - (t - lo)) + sigmas[hi]! * (t - lo);
    return 1 / (1 + sigma * sigma);
  };
  return (x: Float32Array, t: number): Float32Array => {
    const ab = alphaBarAt(t);
    const a = Math.sqrt(ab);
    const b = Math.sqrt(1 - ab);
    const gain = (a * s * s) / (ab * s * s + 1 - ab);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const x0 = mu[i]! + gain * (x[i]! - a * mu[i]!);
      const eps = (x[i]! - a * x0) / b;
      out[i] = config.predictionType === 'epsilon' ? eps : a * eps - b * x0;
    }
    return out;
  };
}

const DIMS = 4096;

function target(seed: number): Float32Array {
  const g = new GaussianNoise(seed);
  return Float32Array.from({ length: DIMS }, () => 0.5 * Math.tanh(g.normal()));
}

function sample(scheduler: Scheduler, model: (x: Float32Array, t: number) => Float32Array, seed: number, start?: { x0: Float32Array; index: number }) {
  const noise = new GaussianNoise(seed);
  let x: Float32Array;
  let first = 0;
  if (start) {
    x = scheduler.addNoise(start.x0, noise.normals(DIMS), start.index);
    first = start.index;
  } else {
    x = noise.normals(DIMS).map((v) => v * scheduler.initNoiseSigma);
  }
  for (let i = first; i < scheduler.timesteps.length; i++) {
    const out = model(scheduler.scaleModelInput(x, i), scheduler.timesteps[i]!);
    x = scheduler.step(out, i, x, noise).prevSample;
  }
  return x;
}

/** Mean and variance of the residual x − μ, which must be 0 and s². */
function moments(x: Float32Array, mu: Float32Array) {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]! - mu[i]!;
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mu[i]! - m) ** 2;
  return { mean: m, variance: v / (x.length - 1) };
}

// Sampling error of the statistics alone at 4096 dims: mean ±0.016 (1σ for s = 1), variance ±2.2 %.
// Euler and DDIM are first-order: their variance error shrinks ~1/steps (≈5 % at 50 steps, ≈1 % at
// 200), so the tight check uses 200 steps and a second check asserts the convergence itself.
const cases: { kind: SchedulerKind; raw: Record<string, unknown>; steps: number; varTol: number }[] = [
  { kind: 'euler', raw: { ...SD15, _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'linspace' }, steps: 200, varTol: 0.05 },
  { kind: 'euler', raw: { ...SD15, prediction_type: 'v_prediction', timestep_spacing: 'trailing' }, steps: 200, varTol: 0.05 },
  { kind: 'euler-ancestral', raw: { ...SD15, timestep_spacing: 'linspace' }, steps: 400, varTol: 0.08 },
  { kind: 'ddim', raw: { ...SD15, _class_name: 'DDIMScheduler', set_alpha_to_one: true, clip_sample: true, clip_sample_range: 5, timestep_spacing: 'leading' }, steps: 200, varTol: 0.05 },
  { kind: 'ddim', raw: { ...SD15, prediction_type: 'v_prediction', timestep_spacing: 'trailing', beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 }, steps: 200, varTol: 0.05 },
];

describe('schedulers against the analytic Gaussian oracle', () => {
  // Unit scale, as SD's latents after the VAE scaling factor.
  const s = 1;
  const mu = target(7);
  for (const c of cases) {
    const config = parseSchedulerConfig(c.raw, c.kind);
    it(`${c.kind} (${config.predictionType}, ${config.timestepSpacing}, ${c.steps} steps) lands on N(μ, s²)`, () => {
      const x = sample(createScheduler(config, c.steps, c.kind), oracle(config, mu, s), 11);
      const m = moments(x, mu);
      expect(Math.abs(m.mean)).toBeLessThan(0.05);
      expect(Math.abs(m.variance / (s * s) - 1)).toBeLessThan(c.varTol);
    });
  }

  it('the deterministic samplers converge: variance error shrinks as steps grow', () => {
    for (const kind of ['euler', 'ddim'] as const) {
      const config = parseSchedulerConfig({ ...SD15, timestep_spacing: 'trailing', set_alpha_to_one: true }, kind);
      const err = (steps: number) => Math.abs(moments(sample(createScheduler(config, steps, kind), oracle(config, mu, s), 11), mu).variance - 1);
      const [coarse, fine] = [err(25), err(400)];
      expect(fine, kind).toBeLessThan(coarse / 4);
      expect(fine, kind).toBeLessThan(0.03);
    }
  });

  it('lcm ends on the exact denoiser: its variance matches the analytic chain of denoise + re-noise', () => {
    const config = parseSchedulerConfig({ ...SD15, _class_name: 'LCMScheduler', original_inference_steps: 50, timestep_scaling: 10 });
    const scheduler = createScheduler(config, 8);
    // Per step: E[x₀|x_t] keeps gain² of x_t's residual variance; re-noising to t' adds 1 − ᾱ_t'.
    const ac = alphasCumprod(config);
    let v = 1;
    let predicted = 0;
    scheduler.timesteps.forEach((t, i) => {
      const ab = ac[t]!;
      const gain = (Math.sqrt(ab) * s * s) / (ab * s * s + 1 - ab);
      predicted = gain * gain * v;
      const next = scheduler.timesteps[i + 1];
      if (next !== undefined) v = ac[next]! * predicted + 1 - ac[next]!;
    });
    // Four runs pool 16k samples: the variance estimate's own error drops to ~1.1 %.
    const runs = [1, 2, 3, 4].map((seed) => moments(sample(scheduler, oracle(config, mu, s), seed), mu));
    const variance = runs.reduce((sum, m) => sum + m.variance, 0) / runs.length;
    expect(predicted).toBeLessThan(0.9);
    for (const m of runs) expect(Math.abs(m.mean)).toBeLessThan(0.05);
    expect(Math.abs(variance / predicted - 1)).toBeLessThan(0.05);
  });

  it('a wrong denoiser is caught: the oracle for another s gives the wrong variance', () => {
    const config = parseSchedulerConfig({ ...SD15, timestep_spacing: 'linspace' }, 'euler');
    const x = sample(createScheduler(config, 50, 'euler'), oracle(config, mu, 0.6), 11);
    expect(Math.abs(moments(x, mu).variance / (s * s) - 1)).toBeGreaterThan(0.5);
  });

  it('img2img: noising clean data with addNoise at a later step and sampling on keeps the distribution', () => {
    const g = new GaussianNoise(3);
    const x0 = mu.map((m) => m + s * g.normal());
    for (const kind of ['euler', 'ddim'] as const) {
      const config = parseSchedulerConfig({ ...SD15, timestep_spacing: 'trailing', set_alpha_to_one: true }, kind);
      const scheduler = createScheduler(config, 200, kind);
      const x = sample(scheduler, oracle(config, mu, s), 5, { x0, index: 80 });
      const m = moments(x, mu);
      expect(Math.abs(m.mean), kind).toBeLessThan(0.05);
      expect(Math.abs(m.variance / (s * s) - 1), kind).toBeLessThan(0.05);
    }
  });

  it('is reproducible: same seed, same samples (ancestral draws fresh noise per step)', () => {
    const config = parseSchedulerConfig(SD15, 'euler-ancestral');
    const model = oracle(config, mu, s);
    const a = sample(createScheduler(config, 10, 'euler-ancestral'), model, 99);
    const b = sample(createScheduler(config, 10, 'euler-ancestral'), model, 99);
    const c = sample(createScheduler(config, 10, 'euler-ancestral'), model, 100);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });
});

describe('schedules match diffusers', () => {
  it('SD 1.5 noise levels: σ_max ≈ 14.6146, ᾱ₀ = 1 − β₀', () => {
    const config = parseSchedulerConfig(SD15, 'euler');
    const ac = alphasCumprod(config);
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 12);
    expect(Math.sqrt((1 - ac[999]!) / ac[999]!)).toBeCloseTo(14.6146, 3);
    expect(createScheduler({ ...config, timestepSpacing: 'linspace' }, 20, 'euler').initNoiseSigma).toBeCloseTo(14.6146, 3);
  });

  it('timestep spacings', () => {
    const config = parseSchedulerConfig(SD15, 'ddim');
    expect(spacedTimesteps({ ...config, timestepSpacing: 'linspace' }, 4)).toEqual([999, 666, 333, 0]);
    expect(spacedTimesteps({ ...config, timestepSpacing: 'trailing' }, 4)).toEqual([999, 749, 499, 249]);
    // numpy rounds halves to even: 1000 − 62.5·k → 1000, 938 (937.5), 875, 812 (812.5), minus 1.
    expect(spacedTimesteps({ ...config, timestepSpacing: 'trailing' }, 16).slice(0, 4)).toEqual([999, 937, 874, 811]);
    const ddim = createScheduler(config, 50, 'ddim').timesteps;
    expect([ddim[0], ddim[1], ddim[49]]).toEqual([981, 961, 1]);
    const euler = createScheduler(parseSchedulerConfig(SD15, 'euler'), 3, 'euler').timesteps;
    expect(euler).toEqual([999, 499.5, 0]);
  });

  it('LCM timesteps and guidance embedding', () => {
    const config = parseSchedulerConfig({ ...SD15, _class_name: 'LCMScheduler' });
    expect(createScheduler(config, 4).timesteps).toEqual([999, 759, 499, 259]);
    expect(createScheduler(config, 1).timesteps).toEqual([999]);
    const emb = guidanceEmbedding(8.5, 256);
    expect(emb).toHaveLength(256);
    expect(emb[0]).toBeCloseTo(Math.sin(7500), 5);
    expect(emb[128]).toBeCloseTo(Math.cos(7500), 5);
    expect(emb[127]).toBeCloseTo(Math.sin(7500 / 10000), 5);
  });

  it('refuses configs it cannot honour', () => {
    expect(() => parseSchedulerConfig({ ...SD15, beta_schedule: 'squaredcos_cap_v2' })).toThrow(/beta_schedule/);
    expect(() => parseSchedulerConfig({ ...SD15, prediction_type: 'sample' })).toThrow(/prediction_type/);
    expect(() => createScheduler(parseSchedulerConfig(SD15, 'ddim'), 1000, 'ddim')).toThrow(/past 999/);
  });

  describe('stepInto', () => {
    for (const kind of SCHEDULER_KINDS) {
      for (const predictionType of ['epsilon', 'v_prediction'] as const) {
        it(`${kind} (${predictionType}): the same bits as combining the guidance, then step(), also in place`, () => {
          const config = parseSchedulerConfig({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012, prediction_type: predictionType, steps_offset: 1 });
          const steps = kind === 'lcm' ? 4 : 10;
          const scheduler = createScheduler(config, steps, kind);
          const n = 64;
          const draw = new GaussianNoise(11);
          const uncond = draw.normals(n);
          const cond = draw.normals(n);
          const sample = draw.normals(n);
          for (const index of [0, steps - 1]) {
            const combined = new Float32Array(n);
            for (let k = 0; k < n; k++) combined[k] = uncond[k]! + 7.5 * (cond[k]! - uncond[k]!);
            const expected = scheduler.step(combined, index, sample, new GaussianNoise(3));
            const latents = sample.slice();
            const into = { prevSample: latents, predOriginal: new Float32Array(n) };
            expect(scheduler.stepInto({ uncond, cond, scale: 7.5 }, index, latents, new GaussianNoise(3), into)).toBe(true);
            expect(Buffer.from(into.prevSample.buffer)).toEqual(Buffer.from(expected.prevSample.buffer));
            expect(Buffer.from(into.predOriginal.buffer)).toEqual(Buffer.from(expected.predOriginal.buffer));
            const plain = { prevSample: new Float32Array(n), predOriginal: new Float32Array(n) };
            expect(scheduler.stepInto(combined, index, sample, new GaussianNoise(3), plain)).toBe(true);
            expect(Buffer.from(plain.prevSample.buffer)).toEqual(Buffer.from(expected.prevSample.buffer));
          }
          const bad = cond.slice();
          bad[7] = Number.NaN;
          expect(scheduler.stepInto({ uncond, cond: bad, scale: 7.5 }, 0, sample.slice(), new GaussianNoise(3), { prevSample: new Float32Array(n), predOriginal: new Float32Array(n) })).toBe(false);
        });
      }
    }
  });
});

describe('GaussianNoise', () => {
  it('normals(n) gives the same values, in order, as n calls of normal(), whatever pair it starts in', () => {
    for (const seed of [0, 7, 2 ** 40 + 3, -11]) {
      for (const before of [0, 1, 2]) {
        for (const n of [0, 1, 2, 5, 64]) {
          const a = new GaussianNoise(seed);
          const b = new GaussianNoise(seed);
          for (let k = 0; k < before; k++) expect(b.normal()).toBe(a.normal());
          const one = new Float32Array(n).map(() => a.normal());
          expect(b.normals(n)).toEqual(one);
          // The state after the batch (including a left-over spare) is the same too.
          for (let k = 0; k < 3; k++) expect(b.normal()).toBe(a.normal());
        }
      }
    }
  });
});
