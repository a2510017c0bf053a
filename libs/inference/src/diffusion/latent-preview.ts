import { encodeJpeg } from '../renderer/poster';
import { resizeBilinear, toBytes } from './image-ops';

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
export function latentToRgb(latent: Float32Array, width: number, height: number, factors = LATENT_RGB_FACTORS_SD15): Uint8Array {
  const plane = width * height;
  if (latent.length < plane * factors.length) throw new RangeError(`latent has ${latent.length} values, expected at least ${plane * factors.length}`);
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < factors.length; k++) v += latent[k * plane + p]! * factors[k]![c]!;
      rgb[p * 3 + c] = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
    }
  }
  return rgb;
}

/** A small JPEG of the latents, scaled up so its longer side is about `size` pixels. */
export function latentPreviewJpeg(latent: Float32Array, width: number, height: number, size = 128): Buffer {
  const rgb = latentToRgb(latent, width, height);
  const scale = Math.max(1, size / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  if (w === width && h === height) return encodeJpeg(rgb, w, h, 70);
  return encodeJpeg(toBytes(resizeBilinear(Float32Array.from(rgb), width, height, w, h)), w, h, 70);
}
