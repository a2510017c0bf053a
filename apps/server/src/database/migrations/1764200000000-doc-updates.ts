import { MigrationInterface, QueryRunner } from 'typeorm';

/** The stored Yjs updates of every project's storyboard document (see collab/doc-update.entity.ts). */
export class DocUpdates1764200000000 implements MigrationInterface {
  name = 'DocUpdates1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    await q.query(`CREATE TABLE "doc_updates" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "seq" integer NOT NULL,
      "update" ${pg ? 'bytea' : 'blob'} NOT NULL,
      "created_at" ${pg ? 'TIMESTAMP' : 'datetime'} NOT NULL DEFAULT (${pg ? 'now()' : "datetime('now')"}),
      "user_id" varchar(36))`);
    await q.query(`CREATE UNIQUE INDEX "IDX_doc_updates_project_seq" ON "doc_updates" ("project_id", "seq")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "doc_updates"`);
  }
}
