import { describe, expect, it } from 'vitest';
import { GaussianNoise } from './random';
import { channelStats, coverCrop, fromFrameBytes, labToRgb, matchColours, rgbToLab, toFrameBytes, warpImage } from './image-ops';

/** A planar w×h image with smooth random content in [-1, 1]. */
function randomImage(w: number, h: number, seed = 1): Float32Array {
  const rng = new GaussianNoise(seed);
  const img = new Float32Array(3 * w * h);
  for (let i = 0; i < img.length; i++) img[i] = Math.tanh(rng.normal() * 0.6);
  return img;
}

/** A planar [-1, 1] image from interleaved RGB bytes. */
function fromRgbBytes(rgb: Uint8Array, w: number, h: number): Float32Array {
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = rgb[p * 3 + c]! / 127.5 - 1;
  return out;
}

/** The textbook form: interleaved float resize (per pixel and channel), then bytes. */
function referenceFrame(src: Float32Array, sw: number, sh: number, dw: number, dh: number, crop = { x: 0, y: 0, width: sw, height: sh }): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const plane = sw * sh;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(sh - 1, Math.max(0, crop.y + ((y + 0.5) * crop.height) / dh - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(sw - 1, Math.max(0, crop.x + ((x + 0.5) * crop.width) / dw - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => src[c * plane + yy * sw + xx]!;
        const top = at(y0, x0) * (1 - (fx - x0)) + at(y0, x1) * (fx - x0);
        const bottom = at(y1, x0) * (1 - (fx - x0)) + at(y1, x1) * (fx - x0);
        const v = top * (1 - (fy - y0)) + bottom * (fy - y0);
        out[(y * dw + x) * 3 + c] = Math.min(255, Math.max(0, Math.round((v + 1) * 127.5)));
      }
    }
  }
  return out;
}

describe('image ops on planar [-1, 1] images', () => {
  it('toFrameBytes resamples and interleaves like the textbook resize, to within one level', () => {
    const img = randomImage(40, 24);
    for (const [dw, dh, crop] of [
      [40, 24, undefined],
      [96, 54, coverCrop(40, 24, 96, 54)],
      [17, 31, coverCrop(40, 24, 17, 31)],
    ] as const) {
      const ours = toFrameBytes(img, 40, 24, dw, dh, crop);
      const ref = referenceFrame(img, 40, 24, dw, dh, crop);
      expect(ours.length).toBe(dw * dh * 3);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
      expect(worst).toBeLessThanOrEqual(1);
    }
  });

  it('writes the bytes a planar image was made from exactly, and clamps out-of-range values', () => {
    const bytes = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    expect([...toFrameBytes(fromRgbBytes(bytes, 5, 3), 5, 3, 5, 3)]).toEqual([...bytes]);
    expect([...toFrameBytes(Float32Array.of(-3, 2, Number.NaN), 1, 1, 1, 1)]).toEqual([0, 255, 0]);
  });

  it('fromFrameBytes takes a frame back to the image it was cropped from', () => {
    const bytes = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    // Same size, no crop: exactly the planar image the bytes stand for.
    expect([...toFrameBytes(fromFrameBytes(bytes, 5, 3, 5, 3), 5, 3, 5, 3)]).toEqual([...bytes]);
    // A smooth image survives the round trip through a cropped, rescaled frame inside the crop.
    const w = 40;
    const h = 40;
    const img = new Float32Array(w * h * 3);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[c * w * h + y * w + x] = (x / w) * 0.8 - (y / h) * 0.5 + c * 0.1;
    const crop = coverCrop(w, h, 96, 54);
    const back = fromFrameBytes(toFrameBytes(img, w, h, 96, 54, crop), 96, 54, w, h, crop);
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = Math.ceil(crop.y) + 1; y < Math.floor(crop.y + crop.height) - 1; y++) {
        for (let x = 1; x < w - 1; x++) worst = Math.max(worst, Math.abs(back[c * w * h + y * w + x]! - img[c * w * h + y * w + x]!));
      }
    }
    expect(worst).toBeLessThan(0.03);
    expect(() => fromFrameBytes(new Uint8Array(10), 2, 2, 2, 2)).toThrow(/not 2x2 RGB/);
  });

  it('warpImage moves every plane the same way, replicating edges', () => {
    const w = 8;
    const h = 6;
    const img = randomImage(w, h, 3);
    expect(warpImage(img, w, h, { zoom: 1, dx: 0, dy: 0 })).toEqual(img);
    // A pan by two whole pixels: column x shows column x + 2, the last two repeat the edge.
    const panned = warpImage(img, w, h, { zoom: 1, dx: 2, dy: 0 });
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) expect(panned[c * w * h + y * w + x]).toBeCloseTo(img[c * w * h + y * w + Math.min(w - 1, x + 2)]!, 6);
      }
    }
    // A zoom about the centre keeps the centre (odd size: a pixel sits on it) and stays in range.
    const odd = randomImage(9, 9, 4);
    const zoomed = warpImage(odd, 9, 9, { zoom: 1.3, dx: 0, dy: 0 });
    for (let c = 0; c < 3; c++) expect(zoomed[c * 81 + 40]).toBeCloseTo(odd[c * 81 + 40]!, 6);
    expect(zoomed.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('Lab conversion hits known colours and round-trips', () => {
    // sRGB white, red, and mid grey (118/255 ≈ L* 50), as planes of three pixels.
    const px = (r: number, g: number, b: number) => [r, g, b].map((v) => v / 127.5 - 1);
    const [white, red, grey] = [px(255, 255, 255), px(255, 0, 0), px(119, 119, 119)];
    const img = Float32Array.from([white[0]!, red[0]!, grey[0]!, white[1]!, red[1]!, grey[1]!, white[2]!, red[2]!, grey[2]!]);
    const lab = rgbToLab(img);
    const at = (p: number) => [lab[p]!, lab[3 + p]!, lab[6 + p]!];
    expect(at(0)[0]).toBeCloseTo(100, 2);
    expect(Math.abs(at(0)[1]!) + Math.abs(at(0)[2]!)).toBeLessThan(0.02);
    expect(at(1)[0]).toBeCloseTo(53.24, 1);
    expect(at(1)[1]).toBeCloseTo(80.09, 1);
    expect(at(1)[2]).toBeCloseTo(67.2, 1);
    expect(at(2)[0]).toBeCloseTo(50, 0);
    const back = labToRgb(rgbToLab(randomImage(16, 16, 5)));
    const orig = randomImage(16, 16, 5);
    let worst = 0;
    for (let i = 0; i < orig.length; i++) worst = Math.max(worst, Math.abs(back[i]! - orig[i]!));
    // Well under one 8-bit level (2/255 ≈ 0.0078 in this range).
    expect(worst).toBeLessThan(2e-4);
  });

  it('matchColours brings an image to the reference statistics and keeps it in range', () => {
    const reference = randomImage(24, 24, 6);
    const drifted = reference.map((v, i) => Math.max(-1, Math.min(1, i < 576 ? v * 0.5 + 0.3 : v * 0.8 - 0.1)));
    for (const space of ['lab', 'rgb'] as const) {
      const target = channelStats(reference, space);
      const before = channelStats(drifted, space);
      const matched = matchColours(drifted, target);
      expect(matched.every((v) => v >= -1 && v <= 1)).toBe(true);
      const after = channelStats(matched, space);
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(after.mean[c]! - target.mean[c]!)).toBeLessThan(Math.abs(before.mean[c]! - target.mean[c]!) * 0.2 + 1e-3);
        expect(Math.abs(after.std[c]! - target.std[c]!)).toBeLessThan(Math.abs(before.std[c]! - target.std[c]!) * 0.3 + 1e-3);
      }
    }
  });
});
