import { describe, expect, it } from 'vitest';
import { CAMERA_MOVES, CAMERA_SHOTS, LIMITS, StoryboardPlanSchema, type StoryboardPlan } from '@reelcraft/shared';
import { RuleBasedPlanner } from './rule-based-planner';
import { detectLanguage, parsePrompt } from './prompt-parser';

const planner = new RuleBasedPlanner();
const FOREST = '制作一段关于森林探险的短视频，包含河流和小动物';
const CJK = /[\u4e00-\u9fff]/;

function expectWithinLimits(plan: StoryboardPlan): void {
  expect(() => StoryboardPlanSchema.parse(plan)).not.toThrow();
  expect(plan.scenes.length).toBeGreaterThanOrEqual(LIMITS.scenes.min);
  expect(plan.scenes.length).toBeLessThanOrEqual(LIMITS.scenes.max);
  plan.scenes.forEach((scene, i) => {
    expect(scene.scene_number).toBe(i + 1);
    expect(scene.description.length).toBeGreaterThan(0);
    expect(scene.description.length).toBeLessThanOrEqual(LIMITS.description.max);
    expect(scene.subtitle.length).toBeGreaterThan(0);
    expect(scene.subtitle.length).toBeLessThanOrEqual(LIMITS.subtitle.max);
    expect(Number.isInteger(scene.duration_sec)).toBe(true);
    expect(scene.duration_sec).toBeGreaterThanOrEqual(LIMITS.sceneDurationSec.min);
    expect(scene.duration_sec).toBeLessThanOrEqual(LIMITS.sceneDurationSec.max);
    expect(CAMERA_SHOTS).toContain(scene.camera.shot);
    expect(CAMERA_MOVES).toContain(scene.camera.move);
  });
}

describe('parsePrompt', () => {
  it('strips Chinese request boilerplate and splits the enumeration', () => {
    expect(parsePrompt(FOREST)).toEqual({ language: 'zh', subject: '森林探险', items: ['河流', '小动物'] });
  });

  it('handles 、 lists, 以及 and a topic without the word 关于', () => {
    const parsed = parsePrompt('请帮我做一个城市夜景的视频，要有霓虹灯、雨夜街道以及骑车的人。');
    expect(parsed.subject).toBe('城市夜景');
    expect(parsed.items).toEqual(['霓虹灯', '雨夜街道', '骑车的人']);
  });

  it('keeps words such as 和平 and 温和 whole', () => {
    expect(parsePrompt('关于和平的短片，包含温和的阳光与白鸽').items).toEqual(['温和的阳光', '白鸽']);
  });

  it('strips English boilerplate and splits commas, and, with', () => {
    expect(parsePrompt('Please make a short video about a city at night, with neon lights, rain and a lone cyclist.')).toEqual({
      language: 'en',
      subject: 'a city at night',
      items: ['neon lights', 'rain', 'a lone cyclist'],
    });
  });

  it('does not split long English clauses on "and"', () => {
    const parsed = parsePrompt('A fox in the snow. The fox walks slowly through the forest and finds a frozen lake.');
    expect(parsed.subject).toBe('A fox in the snow');
    expect(parsed.items).toEqual(['The fox walks slowly through the forest and finds a frozen lake']);
  });

  it('detects the language by CJK characters', () => {
    expect(detectLanguage('森林')).toBe('zh');
    expect(detectLanguage('make a video about 长城')).toBe('zh');
    expect(detectLanguage('forest')).toBe('en');
  });
});

describe('RuleBasedPlanner', () => {
  it('plans the forest prompt in Chinese with river and small-animal scenes', async () => {
    const plan = await planner.plan(FOREST);
    expectWithinLimits(plan);
    expect(plan.language).toBe('zh');
    expect(plan.title).toBe('森林探险');
    expect(plan.scenes.length).toBe(4);
    for (const scene of plan.scenes) {
      expect(scene.description).toMatch(CJK);
      expect(scene.subtitle).toMatch(CJK);
    }
    const texts = plan.scenes.map((s) => s.description);
    expect(texts.some((t) => t.includes('河流'))).toBe(true);
    expect(texts.some((t) => t.includes('小动物'))).toBe(true);
    expect(texts[0]).toContain('森林探险');
    expect(['wide', 'aerial']).toContain(plan.scenes[0]!.camera.shot);
    expect(plan.scenes.find((s) => s.description.includes('小动物'))!.camera.shot).toBe('close-up');
    // The prompt's boilerplate must not leak into what is shown.
    expect(texts.join('')).not.toContain('制作');
    expect(texts.join('')).not.toContain('短视频');
  });

  it('is deterministic', async () => {
    expect(await planner.plan(FOREST)).toEqual(await planner.plan(FOREST));
    expect(await planner.plan('A lighthouse by the sea')).toEqual(await planner.plan('A lighthouse by the sea'));
  });

  it('varies the camera between consecutive scenes', async () => {
    const plan = await planner.plan('Make a video about a farm with cows, a red barn, a tractor, sunflowers and a pond.');
    expectWithinLimits(plan);
    for (let i = 1; i < plan.scenes.length; i++) {
      expect(plan.scenes[i]!.camera.move).not.toBe(plan.scenes[i - 1]!.camera.move);
    }
    expect(new Set(plan.scenes.map((s) => s.camera.shot)).size).toBeGreaterThan(1);
  });

  it('plans an English prompt in English', async () => {
    const plan = await planner.plan('Make a short video about a city at night, with neon lights, rain and a lone cyclist.');
    expectWithinLimits(plan);
    expect(plan.language).toBe('en');
    expect(plan.title).toBe('A city at night');
    expect(plan.scenes.length).toBe(5);
    for (const scene of plan.scenes) {
      expect(scene.description).not.toMatch(CJK);
      expect(scene.subtitle).not.toMatch(CJK);
    }
    const texts = plan.scenes.map((s) => s.description).join('\n');
    for (const item of ['neon lights', 'rain', 'a lone cyclist']) expect(texts).toContain(item);
    expect(texts).not.toMatch(/make a short video/i);
    // A night subject should not close on a sunset.
    expect(plan.scenes[plan.scenes.length - 1]!.description).toContain('night');
  });

  it('still gives at least three scenes for a one-word prompt', async () => {
    for (const prompt of ['forest', '森林', 'x']) {
      const plan = await planner.plan(prompt);
      expectWithinLimits(plan);
      expect(plan.scenes.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('gives a useful plan when the prompt is only boilerplate', async () => {
    expectWithinLimits(await planner.plan('制作一段短视频'));
    expectWithinLimits(await planner.plan('make a video'));
  });

  it('caps a very long prompt at eight scenes with every field within limits', async () => {
    const zhLong = Array.from({ length: 60 }, (_, i) => `第${i + 1}个场景里有一座很长很长很长的桥横跨在宽阔的河流之上并且桥上有很多行人在走动`).join('，');
    const enLong = Array.from({ length: 40 }, (_, i) => `Scene ${i + 1} shows a very long bridge over a wide river with many people walking across it`).join('. ');
    const noPunctuation = '森'.repeat(1999);
    for (const prompt of [zhLong.slice(0, 2000), enLong.slice(0, 2000), noPunctuation, 'word '.repeat(400)]) {
      const plan = await planner.plan(prompt);
      expectWithinLimits(plan);
      expect(plan.scenes.length).toBeLessThanOrEqual(8);
      expect(plan.title.length).toBeLessThanOrEqual(200);
    }
    expect((await planner.plan(zhLong)).scenes.length).toBe(8);
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(planner.plan(FOREST, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects an empty prompt', async () => {
    await expect(planner.plan('   ')).rejects.toThrow(/non-empty/);
  });
});
