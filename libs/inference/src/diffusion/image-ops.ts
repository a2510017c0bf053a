/**
 * Pixel work for the diffusion renderer. Images stay in the VAE's own form from decode to the
 * last warp: three planes (R, G, B — CHW without the batch) of floats in [-1, 1]. So the
 * decoder's output is used as it comes, an img2img init image goes to the encoder as it is, and
 * the one conversion to interleaved bytes happens when a frame is emitted, inside its resize.
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

/**
 * Bilinear taps along one axis: for output position i, the source positions lo[i] and hi[i]
 * and the weight of hi. Computed once per axis, not once per pixel and channel.
 */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
}

/** Taps for n outputs whose source coordinate is `at(i)`, clamped to the source's [0, size − 1] (edges replicated). */
function taps(n: number, size: number, at: (i: number) => number): Taps {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = Math.min(size - 1, Math.max(0, at(i)));
    const i0 = Math.floor(f);
    lo[i] = i0;
    hi[i] = Math.min(size - 1, i0 + 1);
    weight[i] = f - i0;
  }
  return { lo, hi, weight };
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
 * Deforum-style 2D camera warp of a planar image: output pixel p shows the source at
 * c + (p − c)/zoom + shift. Edges are replicated, which img2img then repaints into plausible content.
 */
export function warpImage(src: Float32Array, w: number, h: number, m: Motion): Float32Array {
  if (m.zoom === 1 && m.dx === 0 && m.dy === 0) return src.slice();
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const xs = taps(w, w, (x) => cx + (x - cx) / m.zoom + m.dx);
  const ys = taps(h, h, (y) => cy + (y - cy) / m.zoom + m.dy);
  const out = new Float32Array(src.length);
  const plane = w * h;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let y = 0, o = base; y < h; y++) {
      const r0 = base + ys.lo[y]! * w;
      const r1 = base + ys.hi[y]! * w;
      const wy = ys.weight[y]!;
      for (let x = 0; x < w; x++, o++) {
        const x0 = xs.lo[x]!;
        const x1 = xs.hi[x]!;
        const wx = xs.weight[x]!;
        const a = src[r0 + x0]!;
        const top = a + (src[r0 + x1]! - a) * wx;
        const b = src[r1 + x0]!;
        out[o] = top + (b + (src[r1 + x1]! - b) * wx - top) * wy;
      }
    }
  }
  return out;
}

/** a + (b − a)·t, element-wise (any layout, as long as both share it). */
export function crossFade(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

/**
 * A video frame: `crop` (default: all) of the planar sw×sh image resampled bilinearly to dw×dh
 * (pixel centres aligned) and written as interleaved RGB bytes, (v + 1)·127.5 rounded and clamped.
 */
export function toFrameBytes(src: Float32Array, sw: number, sh: number, dw: number, dh: number, crop: Rect = { x: 0, y: 0, width: sw, height: sh }): Buffer {
  const out = Buffer.allocUnsafe(dw * dh * 3);
  // A clamped view stores round-half-even(v) clamped to 0–255 (NaN as 0): the byte conversion for free.
  const bytes = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  const sx = crop.width / dw;
  const sy = crop.height / dh;
  const xs = taps(dw, sw, (x) => crop.x + (x + 0.5) * sx - 0.5);
  const ys = taps(dh, sh, (y) => crop.y + (y + 0.5) * sy - 0.5);
  const plane = sw * sh;
  for (let y = 0, o = 0; y < dh; y++) {
    const r0 = ys.lo[y]! * sw;
    const r1 = ys.hi[y]! * sw;
    const wy = ys.weight[y]!;
    for (let x = 0; x < dw; x++, o += 3) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const wx = xs.weight[x]!;
      for (let c = 0, p = 0; c < 3; c++, p += plane) {
        const a = src[p + r0 + x0]!;
        const top = a + (src[p + r0 + x1]! - a) * wx;
        const b = src[p + r1 + x0]!;
        const v = top + (b + (src[p + r1 + x1]! - b) * wx - top) * wy;
        bytes[o + c] = (v + 1) * 127.5;
      }
    }
  }
  return out;
}

/**
 * The inverse of toFrameBytes: a video frame (interleaved RGB bytes, fw×fh) back into the planar
 * [-1, 1] form of a dw×dh image of which `crop` became that frame; what lies outside the crop
 * repeats the frame's edge. Used to start a chained scene from the previous scene's last frame.
 */
export function fromFrameBytes(frame: Uint8Array, fw: number, fh: number, dw: number, dh: number, crop: Rect = { x: 0, y: 0, width: dw, height: dh }): Float32Array {
  if (frame.length !== fw * fh * 3) throw new RangeError(`frame holds ${frame.length} bytes, not ${fw}x${fh} RGB (${fw * fh * 3})`);
  const out = new Float32Array(dw * dh * 3);
  const sx = fw / crop.width;
  const sy = fh / crop.height;
  const xs = taps(dw, fw, (x) => (x + 0.5 - crop.x) * sx - 0.5);
  const ys = taps(dh, fh, (y) => (y + 0.5 - crop.y) * sy - 0.5);
  const plane = dw * dh;
  for (let y = 0, o = 0; y < dh; y++) {
    const r0 = ys.lo[y]! * fw;
    const r1 = ys.hi[y]! * fw;
    const wy = ys.weight[y]!;
    for (let x = 0; x < dw; x++, o++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const wx = xs.weight[x]!;
      for (let c = 0; c < 3; c++) {
        const a = frame[(r0 + x0) * 3 + c]!;
        const top = a + (frame[(r0 + x1) * 3 + c]! - a) * wx;
        const b = frame[(r1 + x0) * 3 + c]!;
        const v = top + (b + (frame[(r1 + x1) * 3 + c]! - b) * wx - top) * wy;
        out[c * plane + o] = v / 127.5 - 1;
      }
    }
  }
  return out;
}

export type ColourSpace = 'rgb' | 'lab';

export interface ChannelStats {
  space: ColourSpace;
  mean: [number, number, number];
  std: [number, number, number];
}

/** Mean and spread of each of the three planes of `data`. */
function planeStats(data: Float32Array, space: ColourSpace): ChannelStats {
  const n = data.length / 3;
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let i = c * n, end = i + n; i < end; i++) sum += data[i]!;
    const m = sum / n;
    let sq = 0;
    for (let i = c * n, end = i + n; i < end; i++) sq += (data[i]! - m) ** 2;
    mean[c] = m;
    std[c] = Math.sqrt(sq / n);
  }
  return { space, mean, std };
}

export function channelStats(img: Float32Array, space: ColourSpace): ChannelStats {
  return planeStats(space === 'lab' ? rgbToLab(img) : img, space);
}

/**
 * Colour coherence: shift and scale each channel to the reference's mean and spread, so a scene
 * does not drift in hue or contrast over successive img2img keyframes (the usual failure).
 * The result is clamped to [-1, 1], so it can go to the VAE encoder as the next init image.
 */
export function matchColours(img: Float32Array, reference: ChannelStats): Float32Array {
  const data = reference.space === 'lab' ? rgbToLab(img) : img.slice();
  const own = planeStats(data, reference.space);
  const n = data.length / 3;
  for (let c = 0; c < 3; c++) {
    const gain = own.std[c]! > 1e-6 ? reference.std[c]! / own.std[c]! : 1;
    const from = own.mean[c]!;
    const to = reference.mean[c]!;
    for (let i = c * n, end = i + n; i < end; i++) data[i] = (data[i]! - from) * gain + to;
  }
  if (reference.space === 'lab') return labToRgb(data);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(-1, data[i]!));
  return data;
}

// sRGB (D65) ↔ CIELAB. The two gamma curves are read from tables with linear interpolation
// (4096 intervals: off by under 2e-5 of full scale, far below one 8-bit level), which is what
// makes colour matching cheap enough to run on every keyframe; the cube root stays exact.
const WHITE = [0.95047, 1, 1.08883] as const;
const GAMMA_STEPS = 4096;
const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const linearToSrgb = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
const TO_LINEAR = gammaTable(srgbToLinear);
const TO_SRGB = gammaTable(linearToSrgb);

function gammaTable(fn: (c: number) => number): Float64Array {
  const table = new Float64Array(GAMMA_STEPS + 2);
  for (let i = 0; i <= GAMMA_STEPS; i++) table[i] = fn(i / GAMMA_STEPS);
  // One entry past the end, so that c = 1 interpolates without a branch.
  table[GAMMA_STEPS + 1] = table[GAMMA_STEPS]!;
  return table;
}

/** table(c) for c in [0, 1] (clamped), linearly interpolated. */
function lookup(table: Float64Array, c: number): number {
  const p = (c > 1 ? 1 : c > 0 ? c : 0) * GAMMA_STEPS;
  const i = p | 0;
  const lo = table[i]!;
  return lo + (table[i + 1]! - lo) * (p - i);
}

const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
const fInv = (t: number) => {
  const t3 = t * t * t;
  return t3 > 216 / 24389 ? t3 : (116 * t - 16) / (24389 / 27);
};

/** Planar model-range RGB → planar L*a*b*. */
export function rgbToLab(img: Float32Array): Float32Array {
  const n = img.length / 3;
  const out = new Float32Array(img.length);
  for (let p = 0; p < n; p++) {
    const r = lookup(TO_LINEAR, (img[p]! + 1) * 0.5);
    const g = lookup(TO_LINEAR, (img[n + p]! + 1) * 0.5);
    const b = lookup(TO_LINEAR, (img[2 * n + p]! + 1) * 0.5);
    const x = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0]);
    const y = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
    const z = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / WHITE[2]);
    out[p] = 116 * y - 16;
    out[n + p] = 500 * (x - y);
    out[2 * n + p] = 200 * (y - z);
  }
  return out;
}

/** Planar L*a*b* → planar model-range RGB, out-of-gamut colours clamped to [-1, 1]. */
export function labToRgb(lab: Float32Array): Float32Array {
  const n = lab.length / 3;
  const out = new Float32Array(lab.length);
  for (let p = 0; p < n; p++) {
    const fy = (lab[p]! + 16) / 116;
    const x = fInv(fy + lab[n + p]! / 500) * WHITE[0];
    const y = fInv(fy);
    const z = fInv(fy - lab[2 * n + p]! / 200) * WHITE[2];
    out[p] = 2 * lookup(TO_SRGB, 3.2404542 * x - 1.5371385 * y - 0.4985314 * z) - 1;
    out[n + p] = 2 * lookup(TO_SRGB, -0.969266 * x + 1.8760108 * y + 0.041556 * z) - 1;
    out[2 * n + p] = 2 * lookup(TO_SRGB, 0.0556434 * x - 0.2040259 * y + 1.0572252 * z) - 1;
  }
  return out;
}
