import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Every rendered clip kept as a take, and each render's scenes with their own state (see renders/take.entity.ts). */
export class SceneTakes1764800000000 implements MigrationInterface {
  name = 'SceneTakes1764800000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, false: no } = sqlDialect(q);
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "storyboard_scene_id" varchar(64)`);
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "content_hash" varchar(64)`);
    // Scenes of renders made before this existed are done: their clips are there.
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "status" varchar(16) NOT NULL DEFAULT ('done')`);
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "cached" boolean NOT NULL DEFAULT (${no})`);
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "take_id" varchar(36)`);
    await q.query(`CREATE TABLE "takes" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36),
      "storyboard_scene_id" varchar(64),
      "content_hash" varchar(64) NOT NULL,
      "clip_path" varchar(300) NOT NULL,
      "poster_path" varchar(300),
      "params" text NOT NULL,
      "created_by" varchar(36) NOT NULL,
      "task_id" varchar(36) NOT NULL,
      "duration" float NOT NULL,
      "bytes" integer NOT NULL,
      "sha256" varchar(64) NOT NULL,
      "created_at" ${ts} NOT NULL)`);
    await q.query(`CREATE INDEX "IDX_takes_project_hash" ON "takes" ("project_id", "content_hash")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "takes"`);
    for (const column of ['take_id', 'cached', 'status', 'content_hash', 'storyboard_scene_id']) await q.query(`ALTER TABLE "scenes" DROP COLUMN "${column}"`);
  }
}
