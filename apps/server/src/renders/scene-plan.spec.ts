import type { RenderPlan, RenderScene } from '@reelcraft/shared';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { hashPlanScenes } from './scene-plan';

const scene = (n: number, description: string, chained = false): RenderScene => ({
  scene_number: n,
  description,
  subtitle: '',
  camera: { shot: 'wide', move: 'static' },
  duration_sec: 2,
  ...(chained ? { chained: true } : {}),
});
const look = { width: 320, height: 180, fps: 12, seed: 1 };
// A plan without uploads and a task without a project never reach the database.
const noDatabase = {} as DataSource;
const hashes = async (scenes: RenderScene[]) => (await hashPlanScenes(noDatabase, null, { language: 'zh', title: '港口', scenes } as RenderPlan, look, 'animatic/1')).map((h) => h.hash);

describe('hashPlanScenes with chained scenes', () => {
  it('an edit reaches the chained scenes after it, and no others', async () => {
    const before = await hashes([scene(1, '清晨'), scene(2, '渔船'), scene(3, '海鸥', true), scene(4, '集市')]);
    const edited = await hashes([scene(1, '清晨'), scene(2, '渔船出海'), scene(3, '海鸥', true), scene(4, '集市')]);
    expect(edited[0]).toBe(before[0]);
    expect(edited[1]).not.toBe(before[1]);
    // Scene 3 continues scene 2's last frame: it must be drawn again.
    expect(edited[2]).not.toBe(before[2]);
    // Scene 4 starts afresh.
    expect(edited[3]).toBe(before[3]);
  });

  it('chaining the first scene means nothing', async () => {
    expect(await hashes([scene(1, '清晨', true)])).toEqual(await hashes([scene(1, '清晨')]));
  });
});
