import { MigrationInterface, QueryRunner, TableCheck, TableForeignKey } from 'typeorm';

/**
 * The values the code treats as a closed set, and the references it relies on, held by the
 * database itself, so a second server process or a hand-written query cannot store a task state
 * no code reads, or a scene of no task. Through the query runner: SQLite cannot add a constraint
 * to a table, so TypeORM rebuilds the table there (and ALTERs it on PostgreSQL).
 *
 * Left without a foreign key, on purpose: tasks.owner_id and projects.owner_id (a database may
 * hold tasks of an owner id with no user row, as schema.spec.ts's upgrade test writes, and the key
 * would refuse the upgrade), tasks.project_id, tasks.version_id, takes.* and scene_media.project_id
 * (a render, a take and an upload outlive a deleted project or version: no code deletes them with
 * it), and sessions.user_id (users are never deleted; left to the sign-in code's owners).
 */
const CHECKS: Record<string, { name: string; expression: string }[]> = {
  tasks: [{ name: 'CHK_tasks_status', expression: `"status" IN ('pending', 'held', 'running', 'completed', 'failed', 'cancelled')` }],
  scenes: [{ name: 'CHK_scenes_status', expression: `"status" IN ('pending', 'rendering', 'done', 'failed', 'cancelled')` }],
  video_resources: [{ name: 'CHK_video_resources_kind', expression: `"kind" IN ('clip', 'final')` }],
  users: [{ name: 'CHK_users_role', expression: `"role" IN ('admin', 'user')` }],
  project_members: [{ name: 'CHK_project_members_role', expression: `"role" IN ('owner', 'editor', 'viewer')` }],
  scene_media: [{ name: 'CHK_scene_media_kind', expression: `"kind" IN ('image', 'video')` }],
};

const FOREIGN_KEYS: Record<string, { name: string; column: string; table: string }[]> = {
  scenes: [{ name: 'FK_scenes_task', column: 'task_id', table: 'tasks' }],
  video_resources: [{ name: 'FK_video_resources_task', column: 'task_id', table: 'tasks' }],
  project_members: [
    { name: 'FK_project_members_project', column: 'project_id', table: 'projects' },
    { name: 'FK_project_members_user', column: 'user_id', table: 'users' },
  ],
};

export class Constraints1765500000000 implements MigrationInterface {
  name = 'Constraints1765500000000';

  async up(q: QueryRunner): Promise<void> {
    // Rows a key would refuse are ones nothing can reach any more (a scene of a task that is gone,
    // a membership of a deleted project): removed first, so an older database upgrades.
    for (const [table, keys] of Object.entries(FOREIGN_KEYS)) {
      for (const k of keys) await q.query(`DELETE FROM "${table}" WHERE "${k.column}" NOT IN (SELECT "id" FROM "${k.table}")`);
    }
    for (const table of new Set([...Object.keys(CHECKS), ...Object.keys(FOREIGN_KEYS)])) {
      const checks = CHECKS[table] ?? [];
      const keys = FOREIGN_KEYS[table] ?? [];
      if (checks.length) await q.createCheckConstraints(table, checks.map((c) => new TableCheck(c)));
      if (keys.length) {
        await q.createForeignKeys(
          table,
          // CASCADE: a parent's rows go with it (a deleted project's members); tasks and users themselves are never deleted.
          keys.map((k) => new TableForeignKey({ name: k.name, columnNames: [k.column], referencedTableName: k.table, referencedColumnNames: ['id'], onDelete: 'CASCADE' })),
        );
      }
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, keys] of Object.entries(FOREIGN_KEYS)) for (const k of keys) await q.dropForeignKey(table, k.name);
    for (const [table, checks] of Object.entries(CHECKS)) for (const c of checks) await q.dropCheckConstraint(table, c.name);
  }
}
