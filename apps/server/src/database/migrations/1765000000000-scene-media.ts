import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Images and clips uploaded for scenes (media/scene-media.entity.ts). */
export class SceneMedia1765000000000 implements MigrationInterface {
  name = 'SceneMedia1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`CREATE TABLE "scene_media" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "kind" varchar(8) NOT NULL,
      "format" varchar(8) NOT NULL,
      "file_path" varchar(300) NOT NULL,
      "bytes" integer NOT NULL,
      "sha256" varchar(64) NOT NULL,
      "width" integer NOT NULL,
      "height" integer NOT NULL,
      "duration" float NOT NULL,
      "original_name" varchar(200) NOT NULL,
      "uploaded_by" varchar(36) NOT NULL,
      "created_at" ${ts} NOT NULL)`);
    await q.query(`CREATE INDEX "IDX_scene_media_project" ON "scene_media" ("project_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "scene_media"`);
  }
}
