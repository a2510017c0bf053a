import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { withMigratedDatabase } from '../testing/migrated-database';
import { MIGRATIONS } from './database.options';

/** The hand-written migrations must build exactly the schema the entities describe, on both databases. */
describe.each(['sqlite', 'postgres'] as const)('migrations on %s', (kind) => {
  /** A query parameter in this database's notation. */
  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?');

  it('leave nothing for TypeORM to synchronise, and roll back cleanly', async () => {
    await withMigratedDatabase(kind, async (db) => {
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // Every migration's down(), newest first, must leave an empty database.
      for (let i = 0; i < MIGRATIONS.length; i++) await db.undoLastMigration();
      expect(await db.createQueryRunner().hasTable('tasks')).toBe(false);
      await db.runMigrations();
      expect(await db.createQueryRunner().hasTable('tasks')).toBe(true);
    });
  });

  it('keep every stored storyboard update when doc_updates loses its id column', async () => {
    await withMigratedDatabase(kind, async (db) => {
      await undoThrough(db, 'DocUpdatesKey1764500000000'); // back to the keyed-by-id table
      for (let seq = 1; seq <= 3; seq++) {
        await db.query(`INSERT INTO doc_updates (id, project_id, seq, "update", user_id) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, NULL)`, [`id-${seq}`, 'project-1', seq, Buffer.from([seq, 7])]);
      }
      await db.runMigrations();
      const rows: { seq: number; update: Buffer }[] = await db.query(`SELECT seq, "update" FROM doc_updates WHERE project_id = ${p(1)} ORDER BY seq`, ['project-1']);
      expect(rows.map((r) => [r.seq, [...r.update]])).toEqual([
        [1, [1, 7]],
        [2, [2, 7]],
        [3, [3, 7]],
      ]);
      // The key is (project_id, seq) now: a second writer of the same seq is refused.
      await expect(db.query(`INSERT INTO doc_updates (project_id, seq, "update") VALUES (${p(1)}, ${p(2)}, ${p(3)})`, ['project-1', 3, Buffer.from([0])])).rejects.toThrow();
      if (kind === 'sqlite') {
        const [{ sql }] = await db.query(`SELECT sql FROM sqlite_master WHERE name = 'doc_updates'`);
        expect(sql).toMatch(/WITHOUT ROWID/);
      }
    });
  });

  it("gives each project's latest task its project, as projects.task_id knew it", async () => {
    await withMigratedDatabase(kind, async (db) => {
      await undoThrough(db, 'TaskProject1764600000000');
      for (const task of ['task-linked', 'task-alone']) await db.query(`INSERT INTO tasks (id, owner_id, prompt) VALUES (${p(1)}, 'owner-1', 'a prompt')`, [task]);
      await db.query(`INSERT INTO projects (id, name, owner_id, task_id) VALUES ('project-1', 'Harbour', 'owner-1', ${p(1)})`, ['task-linked']);
      await db.runMigrations();
      const rows: { id: string; project_id: string | null }[] = await db.query(`SELECT id, project_id FROM tasks ORDER BY id`);
      expect(rows).toEqual([
        { id: 'task-alone', project_id: null },
        { id: 'task-linked', project_id: 'project-1' },
      ]);
    });
  });
});

/** Undoes the applied migrations, newest first, down to and including `name`. */
async function undoThrough(db: DataSource, name: string): Promise<void> {
  const names = db.migrations.map((m) => m.name);
  const at = names.indexOf(name);
  if (at < 0) throw new Error(`no migration ${name}`);
  for (let i = names.length - 1; i >= at; i--) await db.undoLastMigration();
}

