import type { VersionRef } from '@reelcraft/shared';
import { In, type DataSource } from 'typeorm';
import { STORYBOARD_VERSION, type StoryboardVersion } from './storyboard-version.entity';

/**
 * The versions renders name, by id, read straight from their table (the renders module cannot
 * depend on the versions module, which builds on projects, which builds on renders). An id whose
 * version was deleted is absent from the map.
 */
export async function versionRefs(db: DataSource, ids: (string | null)[]): Promise<Map<string, VersionRef>> {
  const wanted = [...new Set(ids.filter((id): id is string => !!id))];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .getRepository<StoryboardVersion>(STORYBOARD_VERSION)
    .find({ where: { id: In(wanted) }, select: { id: true, name: true, kind: true, created_at: true } });
  return new Map(rows.map((r) => [r.id, { id: r.id, label: r.name, kind: r.kind, created_at: r.created_at.toISOString() }]));
}
