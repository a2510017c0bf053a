import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every task knows the project it renders (or, for a seed-API task, the project its storyboard
 * was planned into), so the project's members may watch it, not only whoever pressed "render".
 * Until now only a project's latest task was known, from projects.task_id: that is the backfill.
 */
export class TaskProject1764600000000 implements MigrationInterface {
  name = 'TaskProject1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "project_id" varchar(36)`);
    await q.query(`CREATE INDEX "IDX_tasks_project_id" ON "tasks" ("project_id")`);
    await q.query(`UPDATE "tasks" SET "project_id" = (SELECT "projects"."id" FROM "projects" WHERE "projects"."task_id" = "tasks"."id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_tasks_project_id"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "project_id"`);
  }
}
