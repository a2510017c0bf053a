import { planTimeline, type Timeline } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { planSegments, segmentCues } from './segments';
import { subtitleLayout, timelineCues, type SubtitleCue } from './subtitles';

const brief = (p: ReturnType<typeof planSegments>) => p.segments.map((s) => [s.kind, s.start, s.frames, s.sources.map((x) => `${x.clip}:${x.from}-${x.to}`).join(' '), s.fadeIn]);

describe('planSegments', () => {
  it('cuts three 2 s clips with a crossfade and a fade through black into bodies and transitions that tile the output', () => {
    const t = planTimeline([2, 2, 2], [undefined, 'crossfade', 'fade-black'], 24);
    const p = planSegments(t, [2, 2, 2]);
    expect(brief(p)).toEqual([
      ['body', 0, 36, '0:0-36', 0],
      ['transition', 36, 12, '0:36-48 1:0-12', 0],
      ['body', 48, 24, '1:12-36', 0],
      ['transition', 72, 12, '1:36-48 2:0-12', 0],
      ['body', 84, 36, '2:12-48', 0],
    ]);
    expect(p.segments.map((s) => s.transition)).toEqual([null, 'crossfade', null, 'fade-black', null]);
    // Exactly the single-pass join's frame count: 3 × 48 − 2 × 12.
    expect(p.frames).toBe(120);
    expect(p.frames).toBe(Math.round(t.total * 24));
  });

  it('puts the opening fade on every segment that shows the first clip', () => {
    const t = planTimeline([1, 1], ['fade-black', 'crossfade'], 24);
    const p = planSegments(t, [1, 1]);
    // 1 s clips: the fade in and the crossfade each take a third of a clip (8 frames).
    expect(brief(p)).toEqual([
      ['body', 0, 16, '0:0-16', 8],
      ['transition', 16, 8, '0:16-24 1:0-8', 8],
      ['body', 24, 16, '1:8-24', 0],
    ]);
  });

  it('keeps whole clips as bodies when every scene starts with a cut', () => {
    const p = planSegments(planTimeline([2, 3, 1], [], 25), [2, 3, 1]);
    expect(brief(p)).toEqual([
      ['body', 0, 50, '0:0-50', 0],
      ['body', 50, 75, '1:0-75', 0],
      ['body', 125, 25, '2:0-25', 0],
    ]);
  });

  it('rounds clip lengths once, to the nearest frame', () => {
    // 2.02 s at 24 fps is 48.48 frames: 48; a container's 1.999 s is 48 too.
    const p = planSegments(planTimeline([2.02, 1.999], [undefined, 'crossfade'], 24), [2.02, 1.999]);
    expect(p.clipFrames).toEqual([48, 48]);
    expect(p.frames).toBe(48 + 48 - 12);
  });

  it('refuses a clip too short for its transitions, and a timeline of another length', () => {
    const t: Timeline = { overlaps: [0, 0.5, 0.5], transitions: [null, 'crossfade', 'crossfade'], starts: [0, 0.5, 0.5], fadeIn: 0, total: 1.5, fps: 24 };
    expect(() => planSegments(t, [1, 0.5, 1])).toThrow(/clip 2 has 12 frames, fewer than its transitions need \(12 \+ 12\)/);
    expect(() => planSegments(t, [1, 1])).toThrow(/2 clips but 3 scenes/);
    expect(() => planSegments({ ...t, fps: 0 }, [1, 1, 1])).toThrow(/invalid frame rate/);
  });
});

describe('segmentCues', () => {
  const layout = subtitleLayout(320, 180);
  const cue = (start: number, end: number): SubtitleCue => ({ sceneNumber: 1, start, end, lines: ['x'] });

  it('shifts cues into a segment, cutting those that cross its edges', () => {
    // Scene 2's cue runs from the middle of the first crossfade (1.75 s = frame 42) to the middle of the second (3.25 s = frame 78).
    const c = [cue(0, 1.75), cue(1.75, 3.25)];
    const times = (start: number, frames: number) => segmentCues(c, { start, frames }, 24).map((x) => [x.start, x.end]);
    expect(times(0, 36)).toEqual([[0, 1.5]]);
    // Frame 42 is local frame 6 (0.25 s); the switch goes halfway between frames 5 and 6, on the centisecond grid.
    expect(times(36, 12)).toEqual([
      [0, 0.23],
      [0.23, 0.5],
    ]);
    expect(times(48, 24)).toEqual([[0, 1]]);
    expect(times(72, 12)).toEqual([[0, 0.23]]);
    expect(times(84, 36)).toEqual([]);
  });

  it('shows on every frame of every segment the cue the whole video shows there (libass: whole ms, start inclusive, end exclusive)', () => {
    const shownAt = (cues: readonly SubtitleCue[], ms: number) => cues.findIndex((c) => ms >= Math.round(c.start * 100) * 10 && ms < Math.round(c.end * 100) * 10);
    const scenes = Array.from({ length: 7 }, (_, i) => ({ scene_number: i + 1, subtitle: i === 3 ? '' : `scene ${i + 1}` }));
    for (const fps of [24, 25, 30, 30000 / 1001, 50, 60]) {
      const durations = [2, 1.5, 3, 0.8, 2.2, 1, 4].map((d) => Math.round(d * fps) / fps);
      const t = planTimeline(durations, ['fade-black', 'crossfade', 'cut', 'fade-black', 'crossfade', undefined, 'crossfade'], fps);
      const cues = timelineCues(t, scenes, layout);
      const plan = planSegments(t, durations);
      for (const seg of plan.segments) {
        const local = segmentCues(cues, seg, fps);
        for (let f = 0; f < seg.frames; f++) {
          const globalIdx = shownAt(cues, Math.floor(((seg.start + f) * 1000) / fps + 1e-9));
          const localIdx = shownAt(local, Math.floor((f * 1000) / fps + 1e-9));
          expect(localIdx >= 0 ? local[localIdx]!.sceneNumber : null, `fps ${fps}, frame ${seg.start + f}`).toBe(globalIdx >= 0 ? cues[globalIdx]!.sceneNumber : null);
        }
      }
    }
  });
});
