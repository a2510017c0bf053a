import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../testing/migrated-database';
import { MemoryMusicTrackRepository } from '../testing/memory-music-tracks';
import type { MusicTrack } from './music-track.entity';
import { MusicTrackRepository, TypeOrmMusicTrackRepository } from './music-track.repository';

/** One contract for every MusicTrackRepository: memory, SQLite and PostgreSQL behave alike. */
const kinds: [string, (use: (repo: MusicTrackRepository) => Promise<void>) => Promise<void>][] = [
  ['memory', (use) => use(new MemoryMusicTrackRepository())],
  ['sqlite', (use) => withMigratedDatabase('sqlite', (db) => use(new TypeOrmMusicTrackRepository(db)))],
  ['postgres', (use) => withMigratedDatabase('postgres', (db) => use(new TypeOrmMusicTrackRepository(db)))],
];

const track = (name: string, at: number): MusicTrack => ({
  id: randomUUID(),
  name,
  licence: 'CC0',
  format: 'mp3',
  file_path: `music/${name}.mp3`,
  duration: 12.5,
  bytes: 1000,
  uploaded_by: 'u1',
  created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, at)),
});

describe.each(kinds)('MusicTrackRepository (%s)', (_name, withRepo) => {
  it('lists by name then age, finds, and deletes saying what it deleted', async () => {
    await withRepo(async (repo) => {
      const calm2 = track('calm', 2);
      const rows = [track('rain', 1), calm2, track('calm', 1), track('bells', 3)];
      for (const r of rows) await repo.insert(r);
      expect((await repo.list()).map((t) => [t.name, t.created_at.getUTCSeconds()])).toEqual([
        ['bells', 3],
        ['calm', 1],
        ['calm', 2],
        ['rain', 1],
      ]);
      expect(await repo.findById(calm2.id)).toEqual(calm2);
      expect((await repo.delete(calm2.id))?.name).toBe('calm');
      expect(await repo.delete(calm2.id)).toBeNull();
      expect(await repo.findById(calm2.id)).toBeNull();
      await expect(repo.insert(rows[0]!)).rejects.toThrow();
    });
  });
});
