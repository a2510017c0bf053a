import { createCanvas, type Canvas, type SKRSContext2D } from '../renderer/canvas';

/** Per latent channel, its contribution to R, G, B (ComfyUI's SD 1.5 factors; no bias). */
export const LATENT_RGB_FACTORS_SD15: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

/**
 * A cheap picture of 4-channel scaled latents (NCHW, first item): a linear map to RGB at latent
 * resolution instead of a VAE decode, which costs about as much as a UNet step.
 */
export function latentToRgb(latent: Float32Array, width: number, height: number, factors = LATENT_RGB_FACTORS_SD15, out?: Uint8Array): Uint8Array {
  const plane = width * height;
  if (latent.length < plane * factors.length) throw new RangeError(`latent has ${latent.length} values, expected at least ${plane * factors.length}`);
  const rgb = out ?? new Uint8Array(plane * 3);
  if (factors.length !== 4) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < factors.length; k++) v += latent[k * plane + p]! * factors[k]![c]!;
        rgb[p * 3 + c] = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
      }
    }
    return rgb;
  }
  // The same sums in the same order as the general loop above (its leading 0 + changes no result), unrolled for the 4 SD channels.
  const [[r0, g0, b0], [r1, g1, b1], [r2, g2, b2], [r3, g3, b3]] = factors as readonly [Rgb, Rgb, Rgb, Rgb];
  for (let p = 0, o = 0; p < plane; p++, o += 3) {
    const l0 = latent[p]!;
    const l1 = latent[plane + p]!;
    const l2 = latent[2 * plane + p]!;
    const l3 = latent[3 * plane + p]!;
    rgb[o] = toLevel(l0 * r0 + l1 * r1 + l2 * r2 + l3 * r3);
    rgb[o + 1] = toLevel(l0 * g0 + l1 * g1 + l2 * g2 + l3 * g3);
    rgb[o + 2] = toLevel(l0 * b0 + l1 * b1 + l2 * b2 + l3 * b3);
  }
  return rgb;
}

type Rgb = readonly [number, number, number];

function toLevel(v: number): number {
  return Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
}

/**
 * The preview of one sampling step: the clean-latent estimate's RGB approximation at latent
 * resolution, and its small JPEG. Both are made on first use and kept: a step whose preview
 * nobody takes (the render worker sends about one a second) costs nothing but this object.
 */
export class LatentPreview {
  private pixels: Uint8Array | undefined;
  private encoded: Buffer | undefined;

  /** `latent`: 4-channel scaled latents (NCHW, first item), which the preview keeps; do not change them. */
  constructor(
    private readonly latent: Float32Array,
    readonly width: number,
    readonly height: number,
  ) {}

  /** HWC RGB bytes, width × height (the latent size). */
  get rgb(): Uint8Array {
    return (this.pixels ??= latentToRgb(this.latent, this.width, this.height));
  }

  /** A JPEG scaled up so its longer side is about 128 px. */
  jpeg(): Buffer {
    return (this.encoded ??= rgbPreviewJpeg(this.rgb, this.width, this.height));
  }
}

/**
 * The byte of a value interpolated between two rows, rounded to float32 first (as a bilinear
 * resize into a Float32Array would store it). The values lie in [0, 255] up to rounding, where
 * floor(v + 0.5) is exact and equals Math.round; the Uint8ClampedArray it is stored in clamps.
 */
function toByte(top: number, bottom: number, wy: number): number {
  return (Math.fround(top + (bottom - top) * wy) + 0.5) | 0;
}

/** One canvas reused for every preview of the same size: allocating its pixels costs more than encoding them. */
let surface: { width: number; height: number; canvas: Canvas; ctx: SKRSContext2D; image: ReturnType<SKRSContext2D['createImageData']> } | undefined;

function previewSurface(width: number, height: number): NonNullable<typeof surface> {
  if (!surface || surface.width !== width || surface.height !== height) {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    surface = { width, height, canvas, ctx, image: ctx.createImageData(width, height) };
  }
  return surface;
}

/**
 * A small JPEG of the latents, scaled up so its longer side is about `size` pixels: a bilinear
 * resize (pixel centres aligned) straight into the canvas's RGBA buffer, interpolated values
 * rounded to float32 before they become bytes.
 */
export function latentPreviewJpeg(latent: Float32Array, width: number, height: number, size = 128): Buffer {
  return rgbPreviewJpeg(latentToRgb(latent, width, height), width, height, size);
}

/** latentPreviewJpeg from the latents' RGB approximation (latentToRgb's output). */
export function rgbPreviewJpeg(rgb: Uint8Array, width: number, height: number, size = 128): Buffer {
  const scale = Math.max(1, size / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const { canvas, ctx, image } = previewSurface(w, h);
  const rgba = image.data;
  if (w === width && h === height) {
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
      rgba[i] = rgb[j]!;
      rgba[i + 1] = rgb[j + 1]!;
      rgba[i + 2] = rgb[j + 2]!;
      rgba[i + 3] = 255;
    }
  } else {
    // The bilinear resize (pixel centres aligned) done separably: each output value is
    // top + (bottom − top)·wy of two horizontally interpolated source rows, computed once per
    // source row with the same double arithmetic, so every value is the same as the direct form.
    const sx = width / w;
    const sy = height / h;
    const rowLen = w * 3;
    const rows = new Float64Array(height * rowLen);
    for (let x = 0; x < w; x++) {
      const fx = Math.min(width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const xa = x0 * 3;
      const xb = Math.min(width - 1, x0 + 1) * 3;
      const wx = fx - x0;
      for (let r = 0; r < height; r++) {
        const src = r * width * 3;
        const o = r * rowLen + x * 3;
        for (let k = 0; k < 3; k++) rows[o + k] = rgb[src + xa + k]! + (rgb[src + xb + k]! - rgb[src + xa + k]!) * wx;
      }
    }
    for (let y = 0, o = 0; y < h; y++) {
      const fy = Math.min(height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const y0 = Math.floor(fy);
      const t = y0 * rowLen;
      const b = Math.min(height - 1, y0 + 1) * rowLen;
      const wy = fy - y0;
      for (let j = 0; j < rowLen; j += 3, o += 4) {
        rgba[o] = toByte(rows[t + j]!, rows[b + j]!, wy);
        rgba[o + 1] = toByte(rows[t + j + 1]!, rows[b + j + 1]!, wy);
        rgba[o + 2] = toByte(rows[t + j + 2]!, rows[b + j + 2]!, wy);
        rgba[o + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas.encodeSync('jpeg', 70);
}
