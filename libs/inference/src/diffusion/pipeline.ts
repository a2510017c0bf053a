import { basename, join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { throwIfAborted } from '../util/abort';
import { readJsonIfExists } from '../util/read-json';
import { ClipTokenizer } from './clip-tokenizer';
import { pickOnnxFile } from '../models/onnx-variants';
import { checkComponent, DIFFUSION_COMPONENTS, type DiffusionComponent } from './export-contract';
import { LatentPreview } from './latent-preview';
import { halfBits, toHalf } from './half-float';
import { describeValues, firstNonFinite, floatData, floatTensor, intTensor, onnxErrorReason, openSession, type SessionOptions, type TensorInfo } from './onnx-session';
import { GaussianNoise } from './random';
import { combineGuidance, createScheduler, guidanceEmbedding, parseSchedulerConfig, schedulerKindOf, type GuidedOutput, type Scheduler, type SchedulerConfig, type SchedulerKind } from './schedulers';
import { TaskFailure } from '../worker/task-failure';

export const DEFAULT_SCALING_FACTOR = 0.18215;

export interface DiffusionPipelineOptions extends SessionOptions {
  /** Overrides the sampler scheduler_config.json names (its betas and spacing still apply). */
  scheduler?: SchedulerKind;
}

export interface StepEvent {
  /** 1-based. */
  step: number;
  steps: number;
  timestep: number;
  /**
   * The current clean-latent estimate as a tiny RGB image at latent resolution (`preview.rgb`), and
   * `preview.jpeg()`, the small JPEG the studio shows; each is made when first asked for, so only
   * the previews that are sent cost an encode.
   */
  preview: LatentPreview;
}

export interface GenerateRequest {
  prompt: string;
  /** The unconditional branch of classifier-free guidance (default: empty prompt). */
  negativePrompt?: string;
  seed: number;
  steps?: number;
  /** > 1 turns on classifier-free guidance (LCM exports take it as an embedding instead). */
  guidanceScale?: number;
  /**
   * img2img: an image at the pipeline's native size in the VAE's own form (see GenerateResult.image:
   * a previous result, or one made from it), noised to `strength` (0–1].
   */
  init?: { image: Float32Array; strength: number };
  scheduler?: SchedulerKind;
  onStep?(event: StepEvent): void;
  signal?: AbortSignal;
}

export interface GenerateResult {
  /**
   * The picture as the VAE decoder gives it: three planes (R, G, B) of width × height floats
   * (the native size), clamped to [-1, 1] (0–255 is (v + 1)·127.5). It is the decoder's own output
   * array, not a copy; image-ops works on this form and makes bytes only for video frames.
   */
  image: Float32Array;
  width: number;
  height: number;
  /** UNet forward passes made (steps × 1 or 2 with guidance, depending on batching). */
  unetCalls: number;
}

/** Time accounting, for the benchmark: how much of a generation is ONNX Runtime itself. */
export interface PipelineStats {
  unetCalls: number;
  sessionMs: number;
  totalMs: number;
}

/** A NaN or infinity came out of a model: fp16 overflow, a broken export, or corrupt weights. */
export class DiffusionNumericsError extends Error {
  override readonly name = 'DiffusionNumericsError';
}

interface UnetFeeds {
  feeds: Record<string, Tensor>;
  /** The `sample` values, written before each call. */
  sample: Float32Array;
  /** For a float16 `sample`: copies `sample` into the tensor's half-precision bits (call before each run). */
  sync?(): void;
  /** Writes the step's timestep into the `timestep` tensor's data. */
  setTimestep(t: number): void;
}

/**
 * What one prompt pair costs to set up, kept for the next generation with the same text: the
 * render worker diffuses 10–20 keyframes per scene from one prompt, and the text encoder's output
 * depends on nothing else. The UNet feeds are reused too (their sample buffers are rewritten each step).
 */
interface PromptSetup {
  key: string;
  /** One feed set (batched guidance or none) or two (uncond, cond). */
  feeds: UnetFeeds[];
  /** A generation is using the feeds; a concurrent one builds its own. */
  busy: boolean;
}

interface Sessions {
  text_encoder: InferenceSession;
  unet: InferenceSession;
  vae_decoder: InferenceSession;
  vae_encoder?: InferenceSession;
}

/**
 * Stable Diffusion 1.x/2.x (and LCM) from an Optimum ONNX export directory, on ONNX Runtime's
 * CPU backend. Load once and reuse: opening the sessions costs far more than a generation on
 * small models.
 */
export class DiffusionPipeline {
  readonly stats: PipelineStats = { unetCalls: 0, sessionMs: 0, totalMs: 0 };
  private readonly unetInputs: Map<string, TensorInfo>;
  private readonly idsType: string;
  /** The element type (float32 or float16) of the VAE's image and latent inputs. */
  private readonly vaeTypes: { latent: string; image: string | undefined };
  private readonly schedulers = new Map<string, Scheduler>();
  private prompt: PromptSetup | undefined;
  /** decode's input buffer, kept between generations; taken while in use (a concurrent one makes its own). */
  private decoderInput: Float32Array | undefined;

  private constructor(
    readonly dir: string,
    private readonly sessions: Sessions,
    /** The ONNX file each component runs from (the variant the device runs best of those the folder offers; see pickOnnxFile). */
    readonly files: Readonly<Partial<Record<DiffusionComponent, string>>>,
    readonly tokenizer: ClipTokenizer,
    readonly schedulerConfig: SchedulerConfig,
    readonly scalingFactor: number,
    /** Latent size; the image is 8× that. */
    readonly latentWidth: number,
    readonly latentHeight: number,
    private readonly defaultScheduler: SchedulerKind,
  ) {
    this.unetInputs = new Map(describeValues(sessions.unet.inputMetadata).map((i) => [i.name, i]));
    this.idsType = describeValues(sessions.text_encoder.inputMetadata).find((i) => i.name === 'input_ids')!.type;
    const typeOf = (session: InferenceSession | undefined, name: string) => session && describeValues(session.inputMetadata).find((i) => i.name === name)?.type;
    this.vaeTypes = { latent: typeOf(sessions.vae_decoder, 'latent_sample')!, image: typeOf(sessions.vae_encoder, 'sample') };
  }

  get width(): number {
    return this.latentWidth * 8;
  }

  get height(): number {
    return this.latentHeight * 8;
  }

  get hasImageEncoder(): boolean {
    return this.sessions.vae_encoder !== undefined;
  }

  static async load(dir: string, options: DiffusionPipelineOptions = {}): Promise<DiffusionPipeline> {
    // The export by its folder's name: these messages reach the users of a failed render, who need not learn where the server keeps its models.
    const named = `"${basename(dir)}"`;
    const sessions: Partial<Sessions> = {};
    const files: Partial<Record<DiffusionComponent, string>> = {};
    try {
      for (const component of DIFFUSION_COMPONENTS) {
        const picked = await pickOnnxFile(join(dir, component), options.device);
        if (!picked) {
          if (component === 'vae_encoder') continue;
          throw new TaskFailure('model_missing', `${named} is not a usable diffusion export: ${component}/model.onnx missing`);
        }
        files[component] = picked;
        sessions[component] = await openSession(join(dir, component, picked), options).catch((err: unknown) => {
          throw new TaskFailure('model_missing', `cannot load ${component}/${picked}: ${onnxErrorReason(err)}`);
        });
        const s = sessions[component]!;
        const problems = checkComponent(component, describeValues(s.inputMetadata), describeValues(s.outputMetadata), picked);
        if (problems.length) throw new TaskFailure('model_missing', `${named} is not a usable diffusion export: ${problems.join('; ')}`);
      }
      const tokenizer = await ClipTokenizer.fromDirectory(join(dir, 'tokenizer')).catch((err: unknown) => {
        throw new TaskFailure('model_missing', `${named} is not a usable diffusion export: tokenizer/ cannot be read (${(err as NodeJS.ErrnoException | null)?.code ?? (err instanceof Error ? err.message : String(err))})`);
      });
      const rawScheduler = (await readJsonIfExists(join(dir, 'scheduler', 'scheduler_config.json'))) ?? {};
      const schedulerConfig = parseSchedulerConfig(rawScheduler, options.scheduler);
      const vae = (await readJsonIfExists(join(dir, 'vae_decoder', 'config.json'))) ?? {};
      const unetConfig = (await readJsonIfExists(join(dir, 'unet', 'config.json'))) ?? {};
      const scaling = typeof vae.scaling_factor === 'number' ? vae.scaling_factor : DEFAULT_SCALING_FACTOR;
      const sampleShape = describeValues(sessions.unet!.inputMetadata).find((i) => i.name === 'sample')!.shape;
      // A fixed-size export says its size in the graph; otherwise unet/config.json does (64 = 512 px).
      const configured = typeof unetConfig.sample_size === 'number' ? unetConfig.sample_size : 64;
      const lh = typeof sampleShape[2] === 'number' ? sampleShape[2] : configured;
      const lw = typeof sampleShape[3] === 'number' ? sampleShape[3] : configured;
      if (typeof unetConfig.in_channels === 'number' && unetConfig.in_channels !== 4) {
        throw new TaskFailure('model_missing', `${named}: unet in_channels ${unetConfig.in_channels} is not supported (inpainting exports take 9)`);
      }
      const kind = options.scheduler ?? schedulerKindOf(schedulerConfig);
      return new DiffusionPipeline(dir, sessions as Sessions, files, tokenizer, schedulerConfig, scaling, lw, lh, kind);
    } catch (err) {
      await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => undefined)));
      throw err;
    }
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s: InferenceSession) => s.release()));
  }

  private async run(component: DiffusionComponent, feeds: Record<string, Tensor>): Promise<InferenceSession.ReturnType> {
    const t0 = performance.now();
    const out = await this.sessions[component]!.run(feeds);
    this.stats.sessionMs += performance.now() - t0;
    return out;
  }

  /** last_hidden_state of each prompt, stacked: [prompts.length, 77, dim]. */
  private async encodeText(prompts: string[]): Promise<{ data: Float32Array; dims: number[] }> {
    const ids = prompts.flatMap((p) => this.tokenizer.encode(p).ids);
    const out = await this.run('text_encoder', { input_ids: intTensor(this.idsType, ids, [prompts.length, this.tokenizer.maxLength]) });
    const hidden = out.last_hidden_state!;
    const data = floatData(hidden, 'text_encoder last_hidden_state');
    checkFinite(data, 'the text encoder');
    return { data, dims: [...hidden.dims] };
  }

  /**
   * The UNet's inputs for one generation, built once and refilled each step: the sample and
   * timestep buffers are rewritten in place, the text and guidance inputs never change.
   */
  private unetFeeds(batch: number, text: Float32Array, textDims: number[], guidance: number): UnetFeeds {
    const [lh, lw] = [this.latentHeight, this.latentWidth];
    const sample = new Float32Array(batch * 4 * lh * lw);
    const sampleTensor = floatTensor(this.unetInputs.get('sample')!.type, sample, [batch, 4, lh, lw]);
    const info = this.unetInputs.get('timestep')!;
    // Optimum's int64 ["steps"] takes one value for the whole batch; the diffusers script's float32 ["batch"] one per item.
    const d = info.shape[0];
    const n = info.shape.length === 0 ? 1 : typeof d === 'number' ? d : info.type === 'int64' ? 1 : batch;
    const timestep = intTensor(info.type, new Array<number>(n).fill(0), info.shape.length === 0 ? [] : [n]);
    const feeds: Record<string, Tensor> = {
      sample: sampleTensor,
      timestep,
      encoder_hidden_states: floatTensor(this.unetInputs.get('encoder_hidden_states')!.type, text, [batch, textDims[1]!, textDims[2]!]),
    };
    const cond = this.unetInputs.get('timestep_cond');
    if (cond) {
      const dim = typeof cond.shape[1] === 'number' ? cond.shape[1] : 256;
      const emb = guidanceEmbedding(guidance, dim);
      const data = new Float32Array(batch * dim);
      for (let b = 0; b < batch; b++) data.set(emb, b * dim);
      feeds.timestep_cond = floatTensor(cond.type, data, [batch, dim]);
    }
    const values = timestep.data as BigInt64Array | Int32Array | Float32Array | Uint16Array;
    const setTimestep =
      values instanceof BigInt64Array
        ? (t: number) => values.fill(BigInt(Math.round(t)))
        : values instanceof Int32Array
          ? (t: number) => values.fill(Math.round(t))
          : values instanceof Uint16Array
            ? (t: number) => values.fill(halfBits(t))
            : (t: number) => values.fill(t);
    const half = sampleTensor.type === 'float16' ? (sampleTensor.data as Uint16Array) : undefined;
    return { feeds, sample, setTimestep, ...(half && { sync: () => void toHalf(sample, half) }) };
  }

  /** Schedulers hold no state between steps, so one per (kind, steps) serves every generation. */
  private scheduler(steps: number, kind: SchedulerKind): Scheduler {
    const key = `${kind}/${steps}`;
    let scheduler = this.schedulers.get(key);
    if (!scheduler) {
      if (this.schedulers.size >= 16) this.schedulers.clear();
      scheduler = createScheduler(this.schedulerConfig, steps, kind);
      this.schedulers.set(key, scheduler);
    }
    return scheduler;
  }

  /** Whether the UNet accepts a batch of 2 (uncond + cond in one call) or needs two calls. */
  private get batchesGuidance(): boolean {
    const d = this.unetInputs.get('sample')!.shape[0];
    return typeof d !== 'number' || d >= 2;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const t0 = performance.now();
    try {
      return await this.generateInner(req);
    } finally {
      this.stats.totalMs += performance.now() - t0;
    }
  }

  private async generateInner(req: GenerateRequest): Promise<GenerateResult> {
    const steps = req.steps ?? 20;
    const guidance = req.guidanceScale ?? 7.5;
    const kind = req.scheduler ?? this.defaultScheduler;
    const scheduler = this.scheduler(steps, kind);
    const rng = new GaussianNoise(req.seed);
    const lh = this.latentHeight;
    const lw = this.latentWidth;
    const size = 4 * lh * lw;
    // LCM exports carry guidance in timestep_cond; a second, unconditional pass would double the cost for nothing.
    const cfg = guidance > 1 && !this.unetInputs.has('timestep_cond');

    throwIfAborted(req.signal, 'Generation');
    // Batched guidance runs uncond + cond as one batch of 2; otherwise one feed set per prompt.
    const batched = cfg && this.batchesGuidance;
    const setup = await this.promptSetup(cfg ? [req.negativePrompt ?? '', req.prompt] : [req.prompt], batched, guidance);
    try {
      let latents: Float32Array;
      let first = 0;
      if (req.init) {
        const { strength } = req.init;
        if (!(strength > 0 && strength <= 1)) throw new RangeError(`img2img strength must be in (0, 1], got ${strength}`);
        const clean = await this.encodeImage(req.init.image, rng);
        // As diffusers: skip the first (1 − strength) of the schedule, but always run at least one step.
        first = Math.min(steps - 1, steps - Math.floor(steps * strength));
        latents = scheduler.addNoise(clean, rng.normals(size), first);
      } else {
        latents = rng.normals(size);
        const sigma = scheduler.initNoiseSigma;
        for (let k = 0; k < size; k++) latents[k] = latents[k]! * sigma;
      }

      const { feeds } = setup;
      const session = this.sessions.unet;
      const input = feeds[0]!.sample.subarray(0, size);
      // The step writes the next latents over the current ones (each value depends only on the
      // same position). x̂₀ is only kept for previews: a fresh array per step when someone watches
      // (the step's preview holds on to it), otherwise one scratch buffer for the whole generation.
      const into = { prevSample: latents, predOriginal: new Float32Array(size) };
      let unetCalls = 0;
      for (let i = first; i < steps; i++) {
        throwIfAborted(req.signal, 'Generation');
        const t = scheduler.timesteps[i]!;
        scheduler.scaleModelInput(latents, i, input);
        let output: Float32Array | GuidedOutput;
        // session.run is awaited directly (not through a helper) so the time counted as ONNX
        // Runtime's is exactly the awaited call, and no extra promise hop lands outside it.
        if (!cfg || batched) {
          const f = feeds[0]!;
          if (cfg) f.sample.copyWithin(size, 0, size);
          f.setTimestep(t);
          f.sync?.();
          const t0 = performance.now();
          const result = await session.run(f.feeds);
          this.stats.sessionMs += performance.now() - t0;
          const out = floatData(result.out_sample, 'unet out_sample');
          output = cfg ? { uncond: out.subarray(0, size), cond: out.subarray(size, 2 * size), scale: guidance } : out;
          unetCalls++;
        } else {
          const [fu, fc] = feeds as [UnetFeeds, UnetFeeds];
          fc.sample.set(input);
          fu.setTimestep(t);
          fc.setTimestep(t);
          fu.sync?.();
          fc.sync?.();
          let t0 = performance.now();
          const u = await session.run(fu.feeds);
          this.stats.sessionMs += performance.now() - t0;
          t0 = performance.now();
          const c = await session.run(fc.feeds);
          this.stats.sessionMs += performance.now() - t0;
          output = { uncond: floatData(u.out_sample, 'unet out_sample'), cond: floatData(c.out_sample, 'unet out_sample'), scale: guidance };
          unetCalls += 2;
        }
        if (req.onStep && i > first) into.predOriginal = new Float32Array(size);
        if (!scheduler.stepInto(output, i, latents, rng, into)) {
          const pred = output instanceof Float32Array ? output : combineGuidance(output);
          const bad = firstNonFinite(pred);
          throw new DiffusionNumericsError(`the UNet produced ${pred[bad]} at step ${i + 1}/${steps} (timestep ${t}); the model or its export is broken`);
        }
        req.onStep?.({ step: i + 1, steps, timestep: t, preview: new LatentPreview(into.predOriginal, lw, lh) });
      }
      this.stats.unetCalls += unetCalls;
      checkFinite(latents, 'sampling');
      return { image: await this.decode(latents), width: this.width, height: this.height, unetCalls };
    } finally {
      setup.busy = false;
    }
  }

  /**
   * The text encoder's output for these prompts, as UNet feeds: the last generation's when the
   * text and guidance are the same and no other generation is using them, else made afresh.
   */
  private async promptSetup(prompts: string[], batched: boolean, guidance: number): Promise<PromptSetup> {
    const key = JSON.stringify([prompts, batched, this.unetInputs.has('timestep_cond') ? guidance : 0]);
    const cached = this.prompt;
    if (cached && cached.key === key && !cached.busy) {
      cached.busy = true;
      return cached;
    }
    const text = await this.encodeText(prompts);
    const perPrompt = text.data.length / prompts.length;
    const feeds = batched
      ? [this.unetFeeds(2, text.data, text.dims, guidance)]
      : prompts.map((_, k) => this.unetFeeds(1, text.data.subarray(k * perPrompt, (k + 1) * perPrompt), text.dims, guidance));
    const setup: PromptSetup = { key, feeds, busy: true };
    if (!cached?.busy) this.prompt = setup;
    return setup;
  }

  /** Scaled latents → the decoder's image (GenerateResult.image), checked for NaN and clamped to [-1, 1] in place. */
  async decode(latents: Float32Array): Promise<Float32Array> {
    let scaled = this.decoderInput;
    this.decoderInput = undefined;
    if (scaled?.length !== latents.length) scaled = new Float32Array(latents.length);
    const factor = this.scalingFactor;
    for (let i = 0; i < scaled.length; i++) scaled[i] = latents[i]! / factor;
    const out = await this.run('vae_decoder', { latent_sample: floatTensor(this.vaeTypes.latent, scaled, [1, 4, this.latentHeight, this.latentWidth]) });
    // ORT has read it: the next generation may refill it.
    this.decoderInput = scaled;
    const planes = floatData(out.sample, 'vae_decoder sample');
    if (planes.length !== 3 * this.width * this.height) {
      checkFinite(planes, 'the VAE decoder');
      throw new Error(`vae_decoder returned ${planes.length} values, expected 3×${this.width}×${this.height}`);
    }
    // ORT's output array is this generation's own, so it is clamped where it lies. The clamp is
    // (|v + 1| − |v − 1|) / 2 rather than comparisons: on a decoder's output, where many values
    // lie outside [-1, 1] at random, branches mispredict and cost 3× as much (measured); it gives
    // v itself inside the range, but for |v| < 2⁻²⁹, which comes out as a value under 2⁻⁵³ off.
    // The NaN check rides along: v − v is 0 for every finite v and NaN otherwise, and a NaN sticks
    // in the sum (and in the clamp, for checkFinite to find).
    let finite = 0;
    for (let i = 0; i < planes.length; i++) {
      const v = planes[i]!;
      finite += v - v;
      planes[i] = 0.5 * (Math.abs(v + 1) - Math.abs(v - 1));
    }
    if (finite !== 0) checkFinite(planes, 'the VAE decoder');
    return planes;
  }

  /**
   * An image in the decoder's form (GenerateResult.image: planar RGB in [-1, 1], native size) →
   * scaled latents (sampled from the encoder's distribution when it gives one). The image goes
   * to the encoder as it is: no conversion.
   */
  async encodeImage(image: Float32Array, rng: GaussianNoise): Promise<Float32Array> {
    if (!this.sessions.vae_encoder) throw new TaskFailure('model_missing', `"${basename(this.dir)}" has no vae_encoder model: img2img is unavailable`);
    const [w, h] = [this.width, this.height];
    if (image.length !== 3 * w * h) throw new RangeError(`init image has ${image.length} values, expected 3×${w}×${h}`);
    const out = await this.run('vae_encoder', { sample: floatTensor(this.vaeTypes.image!, image, [1, 3, h, w]) });
    const size = 4 * this.latentHeight * this.latentWidth;
    let latent: Float32Array;
    if (out.latent_parameters) {
      // Optimum ≥ 1.23: mean ‖ log-variance; sample like diffusers' retrieve_latents.
      const params = floatData(out.latent_parameters, 'vae_encoder latent_parameters');
      latent = new Float32Array(size);
      for (let i = 0; i < size; i++) latent[i] = params[i]! + Math.exp(0.5 * Math.min(20, Math.max(-30, params[size + i]!))) * rng.normal();
    } else {
      // Read in place: ORT's output is not kept, so no copy is needed before scaling.
      latent = floatData(out.latent_sample, 'vae_encoder latent_sample').subarray(0, size);
    }
    checkFinite(latent, 'the VAE encoder');
    const scaled = new Float32Array(size);
    const factor = this.scalingFactor;
    for (let i = 0; i < size; i++) scaled[i] = latent[i]! * factor;
    return scaled;
  }
}

function checkFinite(data: Float32Array, what: string): void {
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new DiffusionNumericsError(`${what} produced ${data[bad]} (value ${bad} of ${data.length}); the model or its export is broken`);
}

