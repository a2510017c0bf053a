import { EntitySchema } from 'typeorm';

/**
 * One stored Yjs update of a project's storyboard document, in the order the server accepted it
 * (`seq`, per project). Compaction replaces a run of rows by one snapshot row carrying the last
 * seq of the run, so loading is always "apply every row in seq order".
 */
export interface DocUpdate {
  project_id: string;
  seq: number;
  update: Buffer;
  created_at: Date;
  /** Who sent it; null for snapshots and for documents the server wrote itself (planner). */
  user_id: string | null;
}

/** Repository key: `dataSource.getRepository<DocUpdate>(DOC_UPDATE)`. */
export const DOC_UPDATE = 'DocUpdate';

/**
 * An EntitySchema rather than a decorated class because the byte column's type differs by driver
 * (`blob` on SQLite, `bytea` on PostgreSQL) and decorators are fixed when the file loads, before
 * the configuration says which database this process uses.
 */
function schemaFor(kind: 'sqlite' | 'postgres'): EntitySchema<DocUpdate> {
  return new EntitySchema<DocUpdate>({
    name: DOC_UPDATE,
    tableName: 'doc_updates',
    // One B-tree, looked up and appended by (project_id, seq); see migration 1764500000000.
    withoutRowid: kind === 'sqlite',
    columns: {
      project_id: { type: 'varchar', length: 36, primary: true },
      seq: { type: 'integer', primary: true },
      update: { type: kind === 'postgres' ? 'bytea' : 'blob' },
      created_at: { type: Date, createDate: true },
      user_id: { type: 'varchar', length: 36, nullable: true },
    },
  });
}

const SCHEMAS = { sqlite: schemaFor('sqlite'), postgres: schemaFor('postgres') };

export const docUpdateEntity = (kind: 'sqlite' | 'postgres'): EntitySchema<DocUpdate> => SCHEMAS[kind];
