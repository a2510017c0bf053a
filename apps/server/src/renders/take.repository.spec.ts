import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../testing/migrated-database';
import { MemoryTakeRepository } from '../testing/memory-takes';
import type { Take } from './take.entity';
import { TakeRepository, TypeOrmTakeRepository, takeFiles } from './take.repository';

/** One contract for every TakeRepository: memory, SQLite and PostgreSQL behave alike. */
const kinds: [string, (use: (repo: TakeRepository) => Promise<void>) => Promise<void>][] = [
  ['memory', (use) => use(new MemoryTakeRepository())],
  ['sqlite', (use) => withMigratedDatabase('sqlite', (db) => use(new TypeOrmTakeRepository(db)))],
  ['postgres', (use) => withMigratedDatabase('postgres', (db) => use(new TypeOrmTakeRepository(db)))],
];

let second = 0;
function take(extra: Partial<Take>): Take {
  const id = randomUUID();
  return {
    id,
    project_id: 'p1',
    storyboard_scene_id: 's1',
    content_hash: 'a'.repeat(64),
    clip_path: `takes/${id}.mp4`,
    poster_path: `takes/${id}.jpg`,
    last_frame_path: null,
    params: { renderer: 'animatic/1', title: 't', scene_number: 1, description: 'd', characters: [], camera: { shot: 'wide', move: 'static' }, duration_sec: 2, scene_seed: null, style_prompt: '', negative_prompt: '', seed: null, width: 320, height: 180, fps: 12, caption_card: true },
    created_by: 'u1',
    task_id: 't1',
    duration: 2,
    bytes: 1000,
    sha256: 'b'.repeat(64),
    // Whole seconds apart: both databases keep them, so "newest first" is unambiguous.
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, ++second)),
    ...extra,
  };
}

describe.each(kinds)('TakeRepository (%s)', (_name, withRepo) => {
  it('finds a scene’s takes newest first, and a take only in its own project and scene', async () => {
    await withRepo(async (repo) => {
      const older = take({});
      const newer = take({ params: { ...take({}).params, description: '新的' } });
      const other = take({ storyboard_scene_id: 's2' });
      for (const t of [older, newer, other]) await repo.insert(t);
      expect((await repo.forScene('p1', 's1')).map((t) => t.id)).toEqual([newer.id, older.id]);
      expect((await repo.find('p1', newer.id))?.params.description).toBe('新的');
      expect(await repo.find('p1', other.id, 's1')).toBeNull();
      expect(await repo.find('p2', newer.id)).toBeNull();
      expect((await repo.byIds([other.id, 'missing'])).map((t) => t.id)).toEqual([other.id]);
      expect(await repo.byIds([])).toEqual([]);
      expect(await repo.usage('p1')).toEqual({ count: 3, bytes: 3000 });
      expect(await repo.usage('nothing')).toEqual({ count: 0, bytes: 0 });
    });
  });

  it('offers for reuse only takes of the same content in the render’s scope', async () => {
    await withRepo(async (repo) => {
      const h1 = '1'.repeat(64);
      const h2 = '2'.repeat(64);
      const inProject = take({ content_hash: h1 });
      const newerInProject = take({ content_hash: h1 });
      const otherProject = take({ project_id: 'p2', content_hash: h1 });
      const mineAlone = take({ project_id: null, created_by: 'u1', content_hash: h2 });
      const theirsAlone = take({ project_id: null, created_by: 'u2', content_hash: h2 });
      for (const t of [inProject, newerInProject, otherProject, mineAlone, theirsAlone]) await repo.insert(t);
      expect((await repo.reusable({ projectId: 'p1' }, [h1, h2, h1])).map((t) => t.id)).toEqual([newerInProject.id, inProject.id]);
      expect((await repo.reusable({ ownerId: 'u1' }, [h1, h2])).map((t) => t.id)).toEqual([mineAlone.id]);
      expect(await repo.reusable({ projectId: 'p1' }, [])).toEqual([]);
    });
  });

  it('keeps one pick per scene, and deleting a take removes its pick', async () => {
    await withRepo(async (repo) => {
      const a = take({});
      const b = take({});
      await repo.insert(a);
      await repo.insert(b);
      const pick = { project_id: 'p1', scene_id: 's1', take_id: a.id, scene_hash: a.content_hash, selected_by: 'u1', selected_at: new Date(Date.UTC(2026, 0, 2)) };
      await repo.select(pick);
      await repo.select({ ...pick, take_id: b.id });
      expect((await repo.selection('p1', 's1'))?.take_id).toBe(b.id);
      expect(await repo.selections('p1')).toHaveLength(1);
      expect(await repo.delete('p2', b.id)).toBeNull();
      expect((await repo.delete('p1', b.id))?.id).toBe(b.id);
      expect(await repo.selection('p1', 's1')).toBeNull();
      expect(await repo.find('p1', b.id)).toBeNull();
      await expect(repo.insert(a)).rejects.toThrow();
    });
  });
});

describe('takeFiles', () => {
  it('names every file a take has, and only those', () => {
    expect(takeFiles({ clip_path: 'takes/x.mp4', poster_path: null, last_frame_path: 'takes/x.last.rgb' })).toEqual(['takes/x.mp4', 'takes/x.last.rgb']);
  });
});
