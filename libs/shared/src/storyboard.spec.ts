import { describe, expect, it } from 'vitest';
import { StoryboardPlanSchema } from './storyboard';

const scene = (n: number) => ({
  scene_number: n,
  description: `森林里的第${n}个镜头`,
  subtitle: '河流穿过森林',
  camera: { shot: 'wide', move: 'pan-left' },
  duration_sec: 4,
});

describe('StoryboardPlanSchema', () => {
  it('accepts a plan of 3 to 8 scenes', () => {
    expect(StoryboardPlanSchema.safeParse({ language: 'zh', title: '森林探险', scenes: [1, 2, 3].map(scene) }).success).toBe(true);
  });

  it('refuses too few scenes, unknown camera moves and out-of-range durations', () => {
    expect(StoryboardPlanSchema.safeParse({ language: 'zh', title: 't', scenes: [scene(1)] }).success).toBe(false);
    const badMove = { ...scene(1), camera: { shot: 'wide', move: 'barrel-roll' } };
    expect(StoryboardPlanSchema.safeParse({ language: 'en', title: 't', scenes: [badMove, scene(2), scene(3)] }).success).toBe(false);
    const tooLong = { ...scene(1), duration_sec: 600 };
    expect(StoryboardPlanSchema.safeParse({ language: 'en', title: 't', scenes: [tooLong, scene(2), scene(3)] }).success).toBe(false);
  });
});
