import { describe, expect, it } from 'vitest';
import { TRANSITION_SEC, planTimeline } from './timeline';

describe('planTimeline', () => {
  it('overlaps clips: 0.5 s per transition, capped by short scenes, whole frames, the first scene only fading in', () => {
    const t = planTimeline([2, 2, 1, 3], ['crossfade', 'crossfade', 'fade-black', 'cut'], 24);
    expect(t.transitions).toEqual([null, 'crossfade', 'fade-black', null]);
    // Next to the 1 s scene: a third of it (8 frames).
    expect(t.overlaps).toEqual([0, TRANSITION_SEC, 8 / 24, 0]);
    [0, 1.5, 3.5 - 8 / 24, 4.5 - 8 / 24].forEach((start, i) => expect(t.starts[i]).toBeCloseTo(start, 9));
    expect(t.total).toBeCloseTo(8 - 0.5 - 8 / 24, 9);
    // 1 s at 25 fps: a third is 8.33 frames, rounded down to 8.
    expect(planTimeline([1, 1], [undefined, 'crossfade'], 25).overlaps).toEqual([0, 8 / 25]);
    expect(t.fadeIn).toBe(0); // a crossfade into the first scene means nothing
    expect(planTimeline([2, 2], ['fade-black', undefined], 24)).toMatchObject({ fadeIn: 0.5, total: 4, transitions: [null, null] });
  });

  it('keeps the plain sum for an all-cut storyboard, and is empty for none', () => {
    expect(planTimeline([4, 5, 6], ['cut', 'cut', undefined], 24).total).toBe(15);
    expect(planTimeline([], [], 24)).toEqual({ overlaps: [], transitions: [], starts: [], fadeIn: 0, total: 0, fps: 24 });
  });
});
