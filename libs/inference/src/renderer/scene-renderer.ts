import type { RenderScene } from '@reelcraft/shared';

export interface RenderOptions {
  width: number;
  height: number;
  fps: number;
  /** Varies the look of a scene without changing its text; part of the render cache key. */
  seed?: number;
  /**
   * Text shared by all scenes of the video (the storyboard title): keeps scenes whose
   * descriptions name no recognisable scenery in one coherent place.
   */
  theme?: string;
  /** The storyboard's style prompt and negative prompt, for renderers that read text (diffusion). */
  style?: { stylePrompt?: string; negativePrompt?: string };
  /**
   * The animatic's caption card (scene number, shot, description) and playhead; true unless the
   * storyboard turned them off for delivery. Renderers that draw no captions ignore it.
   */
  caption?: boolean;
  /**
   * The previous scene's last frame (RGB24, width*height*3 bytes) when the scene is chained: the
   * scene starts from it instead of from a picture of its own, so the cut becomes a continuous shot.
   */
  chainFrom?: Buffer;
  /** Stops rendering between frames; the iterator then throws an AbortError. */
  signal?: AbortSignal;
}

/**
 * Turns one planned scene into frames. The procedural animatic implements it today; an ONNX
 * diffusion renderer will implement the same interface, so the worker and the encoder do not
 * care which one drew the pixels.
 */
export interface SceneRenderer {
  /** Stable identifier, part of the render cache key (e.g. 'animatic-v1'). */
  readonly name: string;
  /** How many frames renderFrames will yield; the encoder and progress reports rely on it. */
  frameCount(scene: RenderScene, options: RenderOptions): number;
  /** Raw RGB24 frames, width*height*3 bytes each, top row first. Each Buffer is fresh: callers may keep it. */
  renderFrames(scene: RenderScene, options: RenderOptions): AsyncIterable<Buffer>;
}
