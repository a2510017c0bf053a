import { LIMITS, PlannedSceneSchema } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { joinTexts, mergeScenesByRule, splitSceneByRule, splitText } from './rule-based-scene-edits';

describe('rule-based scene edits', () => {
  it('splits text at the clause boundary nearest the middle, Chinese and English', () => {
    expect(splitText('清晨的湖面，薄雾缓缓升起；一只白鹭掠过水面。')).toEqual(['清晨的湖面，薄雾缓缓升起', '一只白鹭掠过水面。']);
    expect(splitText('A harbour at dawn, boats rocking on the water.')).toEqual(['A harbour at dawn', 'boats rocking on the water.']);
    expect(splitText('It rains. The street shines; a cat waits.')).toEqual(['It rains. The street shines', 'a cat waits.']);
    // No clause boundary: the space, then the character nearest the middle; 3.5 is not a boundary.
    expect(splitText('a boat drifts slowly')).toEqual(['a boat drifts', 'slowly']);
    expect(splitText('Waves of 3.5 metres')).toEqual(['Waves of', '3.5 metres']);
    expect(splitText('湖面薄雾')).toEqual(['湖面', '薄雾']);
    expect(splitText('湖')).toEqual(['湖', '湖']);
  });

  it('splits a scene in two with the duration divided', () => {
    const scene = { scene_number: 4, description: '清晨的湖面，一只白鹭掠过水面。', subtitle: '湖上，清晨', camera: { shot: 'wide' as const, move: 'static' as const }, duration_sec: 5 };
    const [a, b] = splitSceneByRule(scene);
    expect(a).toEqual({ scene_number: 4, description: '清晨的湖面', subtitle: '湖上', camera: scene.camera, duration_sec: 3 });
    expect(b).toEqual({ scene_number: 5, description: '一只白鹭掠过水面。', subtitle: '清晨', camera: scene.camera, duration_sec: 2 });
    const [c, d] = splitSceneByRule({ ...scene, subtitle: '', duration_sec: 1 });
    expect([c.subtitle, d.subtitle, c.duration_sec, d.duration_sec]).toEqual(['', '', 1, 1]);
  });

  it('merges two scenes, summing durations up to the limit and capping the texts', () => {
    const first = { scene_number: 2, description: 'A harbour at dawn', subtitle: 'Dawn,', camera: { shot: 'wide' as const, move: 'pan-left' as const }, duration_sec: 12 };
    const second = { scene_number: 3, description: 'Boats leave in a line.', subtitle: 'Out to sea', camera: { shot: 'aerial' as const, move: 'static' as const }, duration_sec: 15 };
    const merged = mergeScenesByRule(first, second, 'en');
    expect(merged).toEqual({ scene_number: 2, description: 'A harbour at dawn. Boats leave in a line.', subtitle: 'Dawn. Out to sea', camera: first.camera, duration_sec: LIMITS.sceneDurationSec.max });
    expect(joinTexts('湖面', '白鹭。', 'zh', 100)).toBe('湖面。白鹭。');
    expect(joinTexts('', '白鹭', 'zh', 100)).toBe('白鹭');
    const long = mergeScenesByRule({ ...first, description: 'x'.repeat(900) }, { ...second, description: 'y'.repeat(900) }, 'en');
    expect(long.description).toHaveLength(LIMITS.description.max);
    expect(PlannedSceneSchema.safeParse(long).success).toBe(true);
  });
});
