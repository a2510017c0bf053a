import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Render history: the storyboard version a render was made from (tasks.version_id; no foreign key,
 * because deleting a version must leave its renders listed, with no version), which versions a
 * render saved by itself (storyboard_versions.kind), and the frame a seed-API task asked for
 * (tasks.look, JSON: `{width, height, aspect}`).
 */
export class RenderHistory1765200000000 implements MigrationInterface {
  name = 'RenderHistory1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "version_id" varchar(36)`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "look" text`);
    await q.query(`ALTER TABLE "storyboard_versions" ADD COLUMN "kind" varchar(16) NOT NULL DEFAULT 'saved'`);
    // A project's renders are listed newest first.
    await q.query(`CREATE INDEX "IDX_tasks_project_created" ON "tasks" ("project_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_tasks_project_created"`);
    await q.query(`ALTER TABLE "storyboard_versions" DROP COLUMN "kind"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "look"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "version_id"`);
  }
}
