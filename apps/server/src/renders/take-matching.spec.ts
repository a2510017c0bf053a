import type { RenderScene } from '@reelcraft/shared';
import { describe, expect, it } from 'vitest';
import { MemoryTakeRepository } from '../testing/memory-takes';
import type { HashedScene } from './scene-plan';
import type { SceneContentParams } from './scene-hash';
import type { Take } from './take.entity';
import { matchTakes } from './take-matching';

const params = { renderer: 'animatic/1' } as SceneContentParams;
const scene = (id: string, n: number): RenderScene => ({ id, scene_number: n, description: id, subtitle: '', camera: { shot: 'wide', move: 'static' }, duration_sec: 2 });
const hashed = (id: string, n: number, hash: string): HashedScene => ({ scene: scene(id, n), params, hash, upload: undefined });
let second = 0;
const take = (id: string, hash: string, extra: Partial<Take> = {}): Take => ({
  id,
  project_id: 'p1',
  storyboard_scene_id: 's1',
  content_hash: hash,
  clip_path: `takes/${id}.mp4`,
  poster_path: null,
  last_frame_path: null,
  params,
  created_by: 'u1',
  task_id: 't0',
  duration: 2,
  bytes: 10,
  sha256: 'x',
  created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, ++second)),
  ...extra,
});
const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);

async function repoWith(...takes: Take[]) {
  const repo = new MemoryTakeRepository();
  for (const t of takes) await repo.insert(t);
  return repo;
}
const all = async () => true;

describe('matchTakes', () => {
  it('reuses the newest take of the same content and draws the rest', async () => {
    const repo = await repoWith(take('old', H1), take('new', H1));
    const m = await matchTakes(repo, { projectId: 'p1' }, [hashed('s1', 1, H1), hashed('s2', 2, H2)], all);
    expect(m.map((x) => x.take?.id ?? null)).toEqual(['new', null]);
  });

  it('prefers the take someone picked while the scene is unchanged, and forgets the pick once it changed', async () => {
    const repo = await repoWith(take('picked', H1), take('newest', H1));
    await repo.select({ project_id: 'p1', scene_id: 's1', take_id: 'picked', scene_hash: H1, selected_by: 'u1', selected_at: new Date() });
    expect((await matchTakes(repo, { projectId: 'p1' }, [hashed('s1', 1, H1)], all))[0]!.take?.id).toBe('picked');
    // The scene was edited (another hash): the pick no longer holds, and no take matches.
    expect((await matchTakes(repo, { projectId: 'p1' }, [hashed('s1', 1, H2)], all))[0]!.take).toBeNull();
  });

  it('passes over a take whose clip is gone, the picked one included', async () => {
    const repo = await repoWith(take('kept', H1), take('gone', H1));
    await repo.select({ project_id: 'p1', scene_id: 's1', take_id: 'gone', scene_hash: H1, selected_by: 'u1', selected_at: new Date() });
    const m = await matchTakes(repo, { projectId: 'p1' }, [hashed('s1', 1, H1)], async (t) => t.id !== 'gone');
    expect(m[0]!.take?.id).toBe('kept');
  });

  it('never reuses across projects, nor another owner’s takes outside projects', async () => {
    const repo = await repoWith(take('other-project', H1, { project_id: 'p2' }), take('theirs', H1, { project_id: null, created_by: 'u2' }), take('mine', H2, { project_id: null, created_by: 'u1' }));
    expect((await matchTakes(repo, { projectId: 'p1' }, [hashed('s1', 1, H1)], all))[0]!.take).toBeNull();
    const alone = await matchTakes(repo, { ownerId: 'u1' }, [hashed('s1', 1, H1), hashed('s2', 2, H2)], all);
    expect(alone.map((x) => x.take?.id ?? null)).toEqual([null, 'mine']);
  });
});
