/**
 * Pixel work for the diffusion renderer on float RGB images: interleaved (HWC), 0–255, so
 * warps and blends do not round to bytes between steps.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest centred region of a sw×sh image with the aspect of dw×dh ("cover"). */
export function coverCrop(sw: number, sh: number, dw: number, dh: number): Rect {
  const scale = Math.min(sw / dw, sh / dh);
  const width = dw * scale;
  const height = dh * scale;
  return { x: (sw - width) / 2, y: (sh - height) / 2, width, height };
}

/** Bilinear resample of `crop` (default: all) of src into dw×dh, pixel centres aligned. */
export function resizeBilinear(src: Float32Array, sw: number, sh: number, dw: number, dh: number, crop: Rect = { x: 0, y: 0, width: sw, height: sh }): Float32Array {
  const out = new Float32Array(dw * dh * 3);
  const sx = crop.width / dw;
  const sy = crop.height / dh;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(sh - 1, Math.max(0, crop.y + (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(sw - 1, Math.max(0, crop.x + (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = fx - x0;
      const o = (y * dw + x) * 3;
      const a = (y0 * sw + x0) * 3;
      const b = (y0 * sw + x1) * 3;
      const c = (y1 * sw + x0) * 3;
      const d = (y1 * sw + x1) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k]! + (src[b + k]! - src[a + k]!) * wx;
        const bottom = src[c + k]! + (src[d + k]! - src[c + k]!) * wx;
        out[o + k] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}

/** A camera step: zoom about the centre, then a shift in pixels (positive dx: content moves left). */
export interface Motion {
  zoom: number;
  dx: number;
  dy: number;
}

export const NO_MOTION: Motion = { zoom: 1, dx: 0, dy: 0 };

/** `m` applied `n` times (n may be negative or fractional: the inverse or part of a move). */
export function repeatMotion(m: Motion, n: number): Motion {
  const zoom = m.zoom ** n;
  // The shifts of repeated moves add up in the source frame's units; each is scaled by the zoom before it.
  let dx = 0;
  let dy = 0;
  if (m.zoom === 1) {
    dx = m.dx * n;
    dy = m.dy * n;
  } else {
    const geometric = (1 - m.zoom ** -n) / (1 - 1 / m.zoom);
    dx = m.dx * geometric;
    dy = m.dy * geometric;
  }
  return { zoom, dx, dy };
}

/**
 * Deforum-style 2D camera warp: output pixel p shows the source at c + (p − c)/zoom + shift.
 * Edges are replicated, which img2img then repaints into plausible content.
 */
export function warpImage(src: Float32Array, w: number, h: number, m: Motion): Float32Array {
  if (m.zoom === 1 && m.dx === 0 && m.dy === 0) return src.slice();
  const out = new Float32Array(src.length);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(h - 1, Math.max(0, cy + (y - cy) / m.zoom + m.dy));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(w - 1, Math.max(0, cx + (x - cx) / m.zoom + m.dx));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      const o = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) {
        const a = src[(y0 * w + x0) * 3 + k]!;
        const b = src[(y0 * w + x1) * 3 + k]!;
        const c = src[(y1 * w + x0) * 3 + k]!;
        const d = src[(y1 * w + x1) * 3 + k]!;
        const top = a + (b - a) * wx;
        out[o + k] = top + (c + (d - c) * wx - top) * wy;
      }
    }
  }
  return out;
}

export function crossFade(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

export function toBytes(img: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(img[i]!)));
  return out;
}

export function fromBytes(img: Uint8Array): Float32Array {
  return Float32Array.from(img);
}

export type ColourSpace = 'rgb' | 'lab';

export interface ChannelStats {
  space: ColourSpace;
  mean: [number, number, number];
  std: [number, number, number];
}

export function channelStats(img: Float32Array, space: ColourSpace): ChannelStats {
  const data = space === 'lab' ? rgbToLab(img) : img;
  const n = data.length / 3;
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < data.length; i++) mean[i % 3]! += data[i]! / n;
  for (let i = 0; i < data.length; i++) std[i % 3]! += (data[i]! - mean[i % 3]!) ** 2 / n;
  return { space, mean, std: std.map(Math.sqrt) as [number, number, number] };
}

/**
 * Colour coherence: shift and scale each channel to the reference's mean and spread, so a scene
 * does not drift in hue or contrast over successive img2img keyframes (the usual failure).
 */
export function matchColours(img: Float32Array, reference: ChannelStats): Float32Array {
  const data = reference.space === 'lab' ? rgbToLab(img) : img.slice();
  const own = channelStats(reference.space === 'lab' ? img : data, reference.space);
  for (let i = 0; i < data.length; i++) {
    const k = i % 3;
    const gain = own.std[k]! > 1e-6 ? reference.std[k]! / own.std[k]! : 1;
    data[i] = (data[i]! - own.mean[k]!) * gain + reference.mean[k]!;
  }
  return reference.space === 'lab' ? labToRgb(data) : data;
}

// sRGB (D65) ↔ CIELAB.
const WHITE = [0.95047, 1, 1.08883] as const;
const toLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const fromLinear = (c: number) => 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * Math.max(0, c) ** (1 / 2.4) - 0.055);
const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
const fInv = (t: number) => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));

export function rgbToLab(img: Float32Array): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i += 3) {
    const r = toLinear(img[i]!);
    const g = toLinear(img[i + 1]!);
    const b = toLinear(img[i + 2]!);
    const x = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0]);
    const y = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
    const z = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE[2]);
    out[i] = 116 * y - 16;
    out[i + 1] = 500 * (x - y);
    out[i + 2] = 200 * (y - z);
  }
  return out;
}

export function labToRgb(lab: Float32Array): Float32Array {
  const out = new Float32Array(lab.length);
  for (let i = 0; i < lab.length; i += 3) {
    const fy = (lab[i]! + 16) / 116;
    const x = fInv(fy + lab[i + 1]! / 500) * WHITE[0];
    const y = fInv(fy);
    const z = fInv(fy - lab[i + 2]! / 200) * WHITE[2];
    out[i] = fromLinear(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
    out[i + 1] = fromLinear(-0.969266 * x + 1.8760108 * y + 0.041556 * z);
    out[i + 2] = fromLinear(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
  }
  return out;
}
