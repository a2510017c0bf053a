import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** The stored Yjs updates of every project's storyboard document (see collab/doc-update.entity.ts). */
export class DocUpdates1764200000000 implements MigrationInterface {
  name = 'DocUpdates1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, now, bytes } = sqlDialect(q);
    await q.query(`CREATE TABLE "doc_updates" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "seq" integer NOT NULL,
      "update" ${bytes} NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "user_id" varchar(36))`);
    await q.query(`CREATE UNIQUE INDEX "IDX_doc_updates_project_seq" ON "doc_updates" ("project_id", "seq")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "doc_updates"`);
  }
}
