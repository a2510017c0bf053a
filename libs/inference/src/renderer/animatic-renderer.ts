import { createCanvas, type Canvas, type CanvasGradient, type SKRSContext2D } from './canvas';
import type { PlannedScene } from '@reelcraft/shared';
import { throwIfAborted } from '../util/abort';
import { paintBackdrop, type BackdropLayout } from './backdrop';
import { cameraViewAt, type CameraPathInput } from './camera-path';
import { renderLabel } from './label';
import { MotionLayer } from './motion-layer';
import { blendFromChain, chainBlendFrames } from './chain-blend';
import { rgbaToRgb } from './rgb';
import type { RenderOptions, SceneRenderer } from './scene-renderer';
import { deriveSceneStyle, type SceneStyle } from './scene-style';

/** How much larger than the frame the backdrop is, i.e. the room the camera has to move. */
export const BACKDROP_OVERSCAN = 1.4;
/** The bottom of the frame that subtitles will cover at assembly; kept calm and slightly dark. */
export const SUBTITLE_SAFE_AREA = 0.22;
/** Hand the event loop a turn this often, so IPC (a cancel) and timers are not starved. */
const YIELD_EVERY_FRAMES = 6;

/**
 * The procedural fallback renderer: a moving storyboard sketch, not a test card. Each scene's
 * scenery comes from the words of its description (hashed with the seed), the planned camera
 * move is a real pan/zoom/tilt over a larger backdrop, and clouds, water, birds, animals or
 * weather move on their own. Deterministic: the same scene and options give identical frames.
 */
export class AnimaticRenderer implements SceneRenderer {
  /** Bump when the pictures change, so cached clips from an older version are not reused. */
  readonly name = 'animatic-v1';

  frameCount(scene: PlannedScene, options: RenderOptions): number {
    checkOptions(options);
    return scene.duration_sec * options.fps;
  }

  async *renderFrames(scene: PlannedScene, options: RenderOptions): AsyncGenerator<Buffer> {
    const total = this.frameCount(scene, options);
    throwIfAborted(options.signal, 'Rendering');
    const composer = new AnimaticComposer(scene, options);
    const blend = chainBlendFrames(options.fps, total);
    for (let i = 0; i < total; i++) {
      throwIfAborted(options.signal, 'Rendering');
      yield blendFromChain(composer.frame(i, total), options.chainFrom, i, blend);
      if (i % YIELD_EVERY_FRAMES === YIELD_EVERY_FRAMES - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function checkOptions(o: RenderOptions): void {
  for (const key of ['width', 'height', 'fps'] as const) {
    const v = o[key];
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${key} must be a positive integer, got ${v}`);
  }
  if (o.width > 7680 || o.height > 4320) throw new RangeError(`frame size ${o.width}x${o.height} is too large`);
}

/** Everything about one scene that is the same for all of its frames, prepared once. */
export class AnimaticComposer {
  readonly style: SceneStyle;
  readonly layout: BackdropLayout;
  private readonly width: number;
  private readonly height: number;
  private readonly fps: number;
  private readonly backdrop: Canvas;
  private readonly motion: MotionLayer;
  /** Null when the storyboard turned the caption card off (a video meant for delivery). */
  private readonly label: ReturnType<typeof renderLabel> | null;
  private readonly canvas: Canvas;
  private readonly ctx: SKRSContext2D;
  private readonly calm: CanvasGradient;
  private readonly path: CameraPathInput;

  constructor(scene: PlannedScene, options: RenderOptions) {
    checkOptions(options);
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps;
    const bw = Math.ceil(this.width * BACKDROP_OVERSCAN);
    const bh = Math.ceil(this.height * BACKDROP_OVERSCAN);
    this.style = deriveSceneStyle(scene.description, options.seed ?? 0, options.theme);
    this.backdrop = createCanvas(bw, bh);
    this.layout = paintBackdrop(this.backdrop.getContext('2d'), this.style, bw, bh);
    // Rasterise now: otherwise the canvas keeps its drawing commands and replays them per frame.
    this.backdrop.data();
    this.motion = new MotionLayer(this.style, this.layout, scene.camera.shot === 'close-up');
    this.label = options.caption === false ? null : renderLabel(scene, this.width, this.height);
    this.label?.canvas.data();

    this.canvas = createCanvas(this.width, this.height);
    this.ctx = this.canvas.getContext('2d');
    this.ctx.imageSmoothingQuality = 'low';
    const safeTop = this.height * (1 - SUBTITLE_SAFE_AREA);
    this.calm = this.ctx.createLinearGradient(0, safeTop, 0, this.height);
    this.calm.addColorStop(0, 'rgba(0,0,0,0)');
    this.calm.addColorStop(1, 'rgba(0,0,0,0.42)');
    this.path = {
      camera: scene.camera,
      frameWidth: this.width,
      frameHeight: this.height,
      backdropWidth: bw,
      backdropHeight: bh,
      focusX: this.layout.focusX,
      focusY: this.layout.focusY,
    };
  }

  /** Draws frame `index` of `total` and returns it as RGB24. */
  frame(index: number, total: number): Buffer {
    this.draw(index, total);
    return rgbaToRgb(this.canvas.data()) as Buffer;
  }

  /** Draws frame `index` and returns the canvas itself, for previews and posters. */
  draw(index: number, total: number): Canvas {
    const { ctx, width: W, height: H } = this;
    const seconds = index / this.fps;
    const progress = total > 1 ? index / (total - 1) : 0;
    const view = cameraViewAt(this.path, progress, seconds);

    ctx.setTransform(view.scale, 0, 0, view.scale, W / 2 - view.scale * view.cx, H / 2 - view.scale * view.cy);
    ctx.drawImage(this.backdrop, 0, 0);
    this.motion.draw(ctx, seconds);
    ctx.setTransform(1, 0, 0, 1, 0, 0);

    ctx.fillStyle = this.calm;
    ctx.fillRect(0, Math.floor(H * (1 - SUBTITLE_SAFE_AREA)), W, Math.ceil(H * SUBTITLE_SAFE_AREA));
    if (this.label) {
      ctx.drawImage(this.label.canvas, this.label.x, this.label.y);
      // A thin timeline along the top edge: the animatic's playhead within the scene.
      const bar = Math.max(2, Math.round(H / 180));
      ctx.fillStyle = 'rgba(0,0,0,0.35)';
      ctx.fillRect(0, 0, W, bar);
      ctx.fillStyle = 'rgba(255,205,90,0.95)';
      ctx.fillRect(0, 0, Math.round(W * (total > 0 ? (index + 1) / total : 1)), bar);
    }
    return this.canvas;
  }
}
