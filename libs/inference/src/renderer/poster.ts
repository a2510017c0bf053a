import { createCanvas } from './canvas';

/**
 * A JPEG still from an RGB24 frame, for scene thumbnails in the studio. Encoding one per scene
 * costs a few milliseconds, far less than extracting it from the clip later with ffmpeg.
 */
export function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality = 82): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} bytes of rgb24, got ${rgb.length}`);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  const rgba = image.data;
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgba[i] = rgb[j]!;
    rgba[i + 1] = rgb[j + 1]!;
    rgba[i + 2] = rgb[j + 2]!;
    rgba[i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas.encodeSync('jpeg', quality);
}
