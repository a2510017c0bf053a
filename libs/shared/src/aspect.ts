import { ASPECTS, type Aspect } from './storyboard-doc';

/** Size presets a seed-API task may ask for, by the short side of the frame (as video sizes are usually named). */
export const SIZE_PRESETS = { '480p': 480, '720p': 720, '1080p': 1080 } as const;
export type SizePreset = keyof typeof SIZE_PRESETS;
export const SIZE_PRESET_NAMES = Object.keys(SIZE_PRESETS) as SizePreset[];

/**
 * The frame for an aspect preset with the given short side. Both sides are even: H.264 in 4:2:0
 * needs them so, and an odd side would make ffmpeg refuse the encode (or the storyboard schema the size).
 */
export function sizeForAspect(aspect: Aspect, shortSide: number): { width: number; height: number } {
  const [w, h] = aspect.split(':').map(Number) as [number, number];
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  const short = even(shortSide);
  const long = even((short * Math.max(w, h)) / Math.min(w, h));
  return w >= h ? { width: long, height: short } : { width: short, height: long };
}

/** The preset whose ratio the size has exactly, if any. */
export function aspectOfSize(width: number, height: number): Aspect | undefined {
  return ASPECTS.find((a) => {
    const [w, h] = a.split(':').map(Number) as [number, number];
    return width * h === height * w;
  });
}
