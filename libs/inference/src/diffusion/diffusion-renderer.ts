import { basename } from 'node:path';
import type { RenderScene } from '@reelcraft/shared';
import { blendFromChain, chainBlendFrames } from '../renderer/chain-blend';
import type { RenderOptions, SceneRenderer } from '../renderer/scene-renderer';
import { throwIfAborted } from '../util/abort';
import { cameraMotionPerFrame } from './camera-motion';
import { channelStats, coverCrop, crossFade, fromFrameBytes, matchColours, repeatMotion, toFrameBytes, warpImage, type ChannelStats, type ColourSpace } from './image-ops';
import type { LatentPreview } from './latent-preview';
import type { DiffusionPipeline } from './pipeline';
import { deriveSeed } from './random';
import type { SchedulerKind } from './schedulers';

export interface DiffusionStepEvent {
  scene_number: number;
  /** 1-based, counted over all keyframes of the scene. */
  step: number;
  steps: number;
  /** The step's preview: `.rgb` at latent size, `.jpeg()` for sending (each made on first use). */
  preview: LatentPreview;
}

export interface DiffusionRendererOptions {
  pipeline: DiffusionPipeline;
  /** Sampling steps of a full (txt2img) keyframe. Default 20. */
  steps?: number;
  guidanceScale?: number;
  /** A keyframe is diffused every `cadence` frames; the frames between are warped and blended. Default 6. */
  cadence?: number;
  /** img2img strength of keyframe k ≥ 1 (constant or a schedule). Default 0.45. */
  strength?: number | ((keyframe: number, keyframes: number) => number);
  /** img2img strength of a chained scene's first keyframe, made from the previous scene's last frame (RenderOptions.chainFrom). Default 0.75. */
  continueStrength?: number;
  /** Appended to every scene's prompt when the render brings no style of its own (RenderOptions.style). */
  stylePrompt?: string;
  negativePrompt?: string;
  /** Keep each keyframe's colours on the scene's first keyframe. Default 'lab'. */
  colourCoherence?: ColourSpace | 'none';
  /** Multiplies the camera move's speed. Default 1. */
  cameraSpeed?: number;
  scheduler?: SchedulerKind;
  onStep?(event: DiffusionStepEvent): void;
}

export interface SceneDiffusionStats {
  keyframes: number;
  unetCalls: number;
}

/**
 * Renders a scene with Stable Diffusion without diffusing every frame: keyframes every `cadence`
 * frames, each made by img2img from the previous keyframe moved by the planned camera
 * (Deforum-style), colour-matched to the scene's first keyframe so hues do not drift, and the
 * frames in between cross-faded from the two neighbouring keyframes warped to that moment.
 * A 5 s, 24 fps scene at cadence 6 thus costs 20 diffusion calls, not 120. Deterministic: the
 * same seed gives identical frames.
 */
export class DiffusionRenderer implements SceneRenderer {
  readonly name: string;
  /** Of the scene rendered last (for tests and the benchmark). */
  lastSceneStats: SceneDiffusionStats = { keyframes: 0, unetCalls: 0 };
  private readonly o: Required<Pick<DiffusionRendererOptions, 'steps' | 'guidanceScale' | 'cadence' | 'continueStrength' | 'colourCoherence' | 'cameraSpeed'>> & DiffusionRendererOptions;

  constructor(options: DiffusionRendererOptions) {
    this.o = { steps: 20, guidanceScale: 7.5, cadence: 6, continueStrength: 0.75, colourCoherence: 'lab', cameraSpeed: 1, ...options };
    if (!Number.isInteger(this.o.cadence) || this.o.cadence < 1) throw new RangeError(`cadence must be a positive integer, got ${this.o.cadence}`);
    const p = options.pipeline;
    // Everything that changes the pixels besides the scene and RenderOptions.
    const style = [this.o.stylePrompt ?? '', this.o.negativePrompt ?? ''].join('|');
    this.name = `diffusion-v1:${basename(p.dir)}:${this.o.scheduler ?? 'default'}:s${this.o.steps}:g${this.o.guidanceScale}:c${this.o.cadence}:${this.strengthAt(1, 2)}:${this.o.colourCoherence}:k${this.o.continueStrength}:${style}`;
  }

  frameCount(scene: RenderScene, options: RenderOptions): number {
    for (const key of ['width', 'height', 'fps'] as const) {
      if (!Number.isInteger(options[key]) || options[key] <= 0) throw new RangeError(`${key} must be a positive integer, got ${options[key]}`);
    }
    return scene.duration_sec * options.fps;
  }

  /** Keyframes a scene of `frames` frames needs. */
  keyframeCount(frames: number): number {
    return Math.ceil(frames / this.o.cadence);
  }

  private strengthAt(k: number, total: number): number {
    const s = this.o.strength;
    const v = typeof s === 'function' ? s(k, total) : (s ?? 0.45);
    if (!(v > 0 && v <= 1)) throw new RangeError(`img2img strength must be in (0, 1], got ${v}`);
    return v;
  }

  async *renderFrames(scene: RenderScene, options: RenderOptions): AsyncGenerator<Buffer> {
    const total = this.frameCount(scene, options);
    const { pipeline } = this.o;
    const { cadence } = this.o;
    const W = pipeline.width;
    const H = pipeline.height;
    const crop = coverCrop(W, H, options.width, options.height);
    const motion = cameraMotionPerFrame(scene.camera, options.fps, W, H, this.o.cameraSpeed * (scene.camera.speed ?? 1));
    const keyframes = this.keyframeCount(total);
    // The scene, then who is in it (the same words in every scene they appear in keep them
    // recognisable), then the storyboard's look.
    const stylePrompt = options.style?.stylePrompt ?? this.o.stylePrompt;
    const negativePrompt = options.style?.negativePrompt ?? this.o.negativePrompt;
    const prompt = [scene.description, ...(scene.characters ?? []), stylePrompt].filter((s): s is string => !!s?.trim()).join(', ');
    const canImg2Img = pipeline.hasImageEncoder;
    // A chained scene starts from the previous scene's last frame, brought back to the pipeline's size.
    const chainImage = options.chainFrom && canImg2Img ? fromFrameBytes(options.chainFrom, options.width, options.height, W, H, crop) : undefined;
    const stepsOf = (k: number) => {
      if (k === 0 && !chainImage) return this.o.steps;
      const strength = k === 0 ? this.o.continueStrength : this.strengthAt(k, keyframes);
      // What the pipeline runs for img2img: the last ⌊steps·strength⌋ steps, at least one.
      return Math.max(1, Math.floor(this.o.steps * strength));
    };
    // Without a VAE encoder only the first keyframe is diffused; the rest of the scene is camera motion over it.
    const diffused = canImg2Img ? keyframes : 1;
    const stepsTotal = Array.from({ length: diffused }, (_, k) => stepsOf(k)).reduce((a, b) => a + b, 0);
    let stepsDone = 0;
    const stats: SceneDiffusionStats = { keyframes: 0, unetCalls: 0 };
    this.lastSceneStats = stats;
    let reference: ChannelStats | undefined;

    const makeKeyframe = async (k: number, previous: Float32Array | undefined): Promise<Float32Array> => {
      throwIfAborted(options.signal, 'Rendering');
      if (k > 0 && !canImg2Img) return warpImage(previous!, W, H, repeatMotion(motion, cadence));
      // A scene's own seed gives it the same noise wherever it moves in the storyboard.
      const seed = scene.seed !== undefined ? deriveSeed(scene.seed, 0, k) : deriveSeed(options.seed ?? 0, scene.scene_number, k);
      let init: { image: Float32Array; strength: number } | undefined;
      if (k > 0) init = { image: warpImage(previous!, W, H, repeatMotion(motion, cadence)), strength: this.strengthAt(k, keyframes) };
      else if (chainImage) init = { image: chainImage, strength: this.o.continueStrength };
      const before = stepsDone;
      const result = await pipeline.generate({
        prompt,
        negativePrompt,
        seed,
        steps: this.o.steps,
        guidanceScale: this.o.guidanceScale,
        scheduler: this.o.scheduler,
        init,
        signal: options.signal,
        onStep: (e) => {
          stepsDone = before + (e.step - (this.o.steps - stepsOf(k)));
          this.o.onStep?.({ scene_number: scene.scene_number, step: stepsDone, steps: stepsTotal, preview: e.preview });
        },
      });
      stats.keyframes++;
      stats.unetCalls += result.unetCalls;
      // Keyframes are kept in the decoder's form (planar, [-1, 1]): no conversion until a frame is emitted.
      if (this.o.colourCoherence === 'none') return result.image;
      if (!reference) {
        reference = channelStats(result.image, this.o.colourCoherence);
        return result.image;
      }
      return matchColours(result.image, reference);
    };

    const blend = chainBlendFrames(options.fps, total);
    // The img2img start keeps the previous picture's layout; the dissolve makes the first frame that picture exactly.
    const emit = (img: Float32Array, i: number) => blendFromChain(toFrameBytes(img, W, H, options.width, options.height, crop), options.chainFrom, i, blend);
    let current = await makeKeyframe(0, undefined);
    for (let k = 0; k < keyframes; k++) {
      const start = k * cadence;
      const end = Math.min(total, start + cadence);
      const next = k + 1 < keyframes ? await makeKeyframe(k + 1, current) : undefined;
      for (let i = start; i < end; i++) {
        throwIfAborted(options.signal, 'Rendering');
        const j = i - start;
        const ahead = warpImage(current, W, H, repeatMotion(motion, j));
        // Blend towards the next keyframe pulled back to this moment, so keyframes arrive without a jump.
        yield emit(next ? crossFade(ahead, warpImage(next, W, H, repeatMotion(motion, j - cadence)), j / cadence) : ahead, i);
      }
      if (next) current = next;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
