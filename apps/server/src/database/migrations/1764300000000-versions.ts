import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Named versions of a project's storyboard (see versions/storyboard-version.entity.ts). */
export class Versions1764300000000 implements MigrationInterface {
  name = 'Versions1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, now, bytes } = sqlDialect(q);
    await q.query(`CREATE TABLE "storyboard_versions" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "name" varchar(100) NOT NULL,
      "created_by" varchar(36) NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "scene_count" integer NOT NULL,
      "state" ${bytes} NOT NULL)`);
    await q.query(`CREATE INDEX "IDX_storyboard_versions_project_created" ON "storyboard_versions" ("project_id", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "storyboard_versions"`);
  }
}
