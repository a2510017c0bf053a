import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Projects and their members. SQLite and PostgreSQL alike. */
export class Projects1764100000000 implements MigrationInterface {
  name = 'Projects1764100000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, now } = sqlDialect(q);
    await q.query(`CREATE TABLE "projects" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "name" varchar(200) NOT NULL,
      "owner_id" varchar(36) NOT NULL,
      "task_id" varchar(36),
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "updated_at" ${ts} NOT NULL DEFAULT (${now}))`);
    await q.query(`CREATE INDEX "IDX_projects_owner_id" ON "projects" ("owner_id")`);
    await q.query(`CREATE INDEX "IDX_projects_task_id" ON "projects" ("task_id")`);
    await q.query(`CREATE TABLE "project_members" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "user_id" varchar(36) NOT NULL,
      "role" varchar(16) NOT NULL,
      "added_at" ${ts} NOT NULL DEFAULT (${now}))`);
    await q.query(`CREATE UNIQUE INDEX "IDX_project_members_project_user" ON "project_members" ("project_id", "user_id")`);
    await q.query(`CREATE INDEX "IDX_project_members_user_id" ON "project_members" ("user_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['project_members', 'projects']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
