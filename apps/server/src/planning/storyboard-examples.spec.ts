import { randomUUID } from 'node:crypto';
import type { StoryboardPlan } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Task } from '../renders/task.entity';
import { ADMIN_PASSWORD, apiClient, defaultTestDatabase, login, startTestApp, type TestApp } from '../testing/test-app';
import { StoryboardExamples, bigrams, similarity } from './storyboard-examples';

const planOf = (title: string, scenes = 3): StoryboardPlan => ({
  language: 'zh',
  title,
  scenes: Array.from({ length: scenes }, (_, i) => ({
    scene_number: i + 1,
    description: `${title} ${i + 1}`,
    subtitle: '',
    camera: { shot: 'wide', move: 'static' },
    duration_sec: 3,
  })),
});

describe('similarity of prompts', () => {
  it('compares Chinese and English by character pairs, ignoring case, spaces and punctuation', () => {
    expect([...bigrams('森林，小鹿')]).toEqual(['森林', '林小', '小鹿']);
    expect(similarity(bigrams('A Forest at dawn'), bigrams('a forest, at dawn!'))).toBe(1);
    expect(similarity(bigrams('清晨的森林里小鹿在河边喝水'), bigrams('森林里的小鹿'))).toBeGreaterThan(0.2);
    expect(similarity(bigrams('清晨的森林里小鹿在河边喝水'), bigrams('city traffic at night'))).toBe(0);
    expect(similarity(bigrams(''), bigrams('x'))).toBe(0);
  });
});

describe('StoryboardExamples', () => {
  let t: TestApp;
  let adminId: string;
  let otherId: string;

  beforeAll(async () => {
    t = await startTestApp(defaultTestDatabase());
    const admin = apiClient(t.baseUrl, await login(t.baseUrl, 'admin', ADMIN_PASSWORD));
    adminId = (await admin('GET', '/api/users/me')).json.id;
    otherId = (await admin('POST', '/api/users', { username: 'otto', password: 'otto-password' })).json.id;
    const tasks = t.app.get(DataSource).getRepository(Task);
    const task = (owner_id: string, prompt: string, plan: StoryboardPlan | null) => tasks.save(tasks.create({ id: randomUUID(), owner_id, prompt, status: 'completed', plan }));
    await task(adminId, '清晨的森林里，小鹿在河边喝水', planOf('森林小鹿'));
    await task(adminId, '夜晚的城市街道，车流不息', planOf('城市夜景'));
    await task(adminId, '森林里的小鹿和小兔', planOf('森林小兔', 20)); // an edited storyboard longer than a plan
    await task(adminId, '森林里的小鹿', null); // not planned yet
    await task(otherId, '清晨的森林里，小鹿在河边喝水，小鸟唱歌', planOf('别人的森林'));
  });
  afterAll(async () => t?.close());

  it("returns the owner's own most similar plans, never someone else's, an unplanned task's or one too long to be a plan", async () => {
    const { examples, exampleCandidates } = await t.app.get(StoryboardExamples).forPrompt(adminId, '森林里，一只小鹿在河边喝水');
    expect(examples.map((p) => p.title)).toEqual(['森林小鹿']);
    // Every usable plan of the owner is a candidate for choosing by meaning, most word overlap first.
    expect(exampleCandidates.map((c) => [c.prompt, c.plan.title])).toEqual([
      ['清晨的森林里，小鹿在河边喝水', '森林小鹿'],
      ['夜晚的城市街道，车流不息', '城市夜景'],
    ]);
  });

  it('returns no examples when no earlier prompt shares words, but still the candidates (another language may mean the same)', async () => {
    const english = await t.app.get(StoryboardExamples).forPrompt(adminId, 'a fawn drinking at a forest river');
    expect(english.examples).toEqual([]);
    expect(english.exampleCandidates.map((c) => c.plan.title).sort()).toEqual(['城市夜景', '森林小鹿']);
    expect(await t.app.get(StoryboardExamples).forPrompt(otherId, '夜晚的城市街道')).toEqual({ examples: [], exampleCandidates: [{ prompt: '清晨的森林里，小鹿在河边喝水，小鸟唱歌', plan: expect.objectContaining({ title: '别人的森林' }) }] });
  });
});
