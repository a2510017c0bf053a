import type { VersionKind } from '@reelcraft/shared';
import { EntitySchema } from 'typeorm';

/**
 * A named version of a project's storyboard: the whole Yjs document at that moment
 * (Y.encodeStateAsUpdate), so it reads back with the same readStoryboard as the live document and
 * keeps exactly what the document held, stray copies and all.
 */
export interface StoryboardVersion {
  id: string;
  project_id: string;
  /** At most LIMITS.versions.name.max characters (the column is sized to match). */
  name: string;
  /** `render`: saved by a render of a storyboard that had changed since the newest version. */
  kind: VersionKind;
  /** The id of the user who saved it, or whose restore saved it as a backup. */
  created_by: string;
  created_at: Date;
  /** Kept beside the state so that listing versions never decodes documents. */
  scene_count: number;
  state: Buffer;
}

/** Repository key: `dataSource.getRepository<StoryboardVersion>(STORYBOARD_VERSION)`. */
export const STORYBOARD_VERSION = 'StoryboardVersion';

/** An EntitySchema for the same reason as DocUpdate's: the byte column is `blob` on SQLite and `bytea` on PostgreSQL. */
function schemaFor(kind: 'sqlite' | 'postgres'): EntitySchema<StoryboardVersion> {
  return new EntitySchema<StoryboardVersion>({
    name: STORYBOARD_VERSION,
    tableName: 'storyboard_versions',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      project_id: { type: 'varchar', length: 36 },
      name: { type: 'varchar', length: 100 },
      kind: { type: 'varchar', length: 16, default: 'saved' },
      created_by: { type: 'varchar', length: 36 },
      created_at: { type: Date, createDate: true },
      scene_count: { type: 'integer' },
      state: { type: kind === 'postgres' ? 'bytea' : 'blob' },
    },
    // A project's versions are listed newest first.
    indices: [{ name: 'IDX_storyboard_versions_project_created', columns: ['project_id', 'created_at'] }],
  });
}

const SCHEMAS = { sqlite: schemaFor('sqlite'), postgres: schemaFor('postgres') };

export const storyboardVersionEntity = (kind: 'sqlite' | 'postgres'): EntitySchema<StoryboardVersion> => SCHEMAS[kind];
