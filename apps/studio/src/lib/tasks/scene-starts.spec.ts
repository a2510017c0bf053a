import { describe, expect, it } from 'vitest';
import { sceneAt, sceneStarts } from './scene-starts';

describe('sceneStarts', () => {
  it('starts each scene where the last one ended when all are cuts', () => {
    expect(sceneStarts([4, 3, 5], null, 24, 12)).toEqual([0, 4, 7]);
  });

  it("takes off each crossfade's overlap when the storyboard's transitions add up to the video", () => {
    // Two 0.5 s overlaps: 12 s of scenes make an 11 s video.
    expect(sceneStarts([4, 3, 5], ['cut', 'crossfade', 'fade-black'], 24, 11)).toEqual([0, 3.5, 6]);
  });

  it('falls back to cuts when the storyboard changed its transitions since the render', () => {
    expect(sceneStarts([4, 3, 5], ['cut', 'crossfade', 'crossfade'], 24, 12.02)).toEqual([0, 4, 7]);
  });

  it("stretches the starts to the video's length when nothing adds up", () => {
    const starts = sceneStarts([4, 4], null, 24, 6);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeCloseTo(3);
  });

  it('has no starts without scenes', () => {
    expect(sceneStarts([], null, 24, 0)).toEqual([]);
  });
});

describe('sceneAt', () => {
  it('finds the scene playing at a time', () => {
    const starts = [0, 3.5, 6];
    expect(sceneAt(starts, 0)).toBe(0);
    expect(sceneAt(starts, 3.49)).toBe(0);
    expect(sceneAt(starts, 3.5)).toBe(1);
    expect(sceneAt(starts, 100)).toBe(2);
  });
});
