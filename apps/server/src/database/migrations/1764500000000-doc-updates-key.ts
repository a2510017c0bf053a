import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/**
 * doc_updates is keyed by (project_id, seq) alone. The random-UUID `id` column it had was never
 * read, yet every keystroke paid for it: a second B-tree to update, on SQLite a third (the rowid
 * table), twice the WAL written per commit. On SQLite the table is now WITHOUT ROWID, so a row
 * lives in the one B-tree it is looked up by.
 */
export class DocUpdatesKey1764500000000 implements MigrationInterface {
  name = 'DocUpdatesKey1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const { pg, timestamp: ts, now, bytes } = sqlDialect(q);
    if (pg) {
      await q.query(`DROP INDEX "IDX_doc_updates_project_seq"`);
      await q.query(`ALTER TABLE "doc_updates" DROP CONSTRAINT "doc_updates_pkey"`);
      await q.query(`ALTER TABLE "doc_updates" DROP COLUMN "id"`);
      await q.query(`ALTER TABLE "doc_updates" ADD CONSTRAINT "doc_updates_pkey" PRIMARY KEY ("project_id", "seq")`);
      return;
    }
    // SQLite cannot change a table's key in place: copy into the new shape.
    await q.query(`CREATE TABLE "doc_updates_keyed" (
      "project_id" varchar(36) NOT NULL,
      "seq" integer NOT NULL,
      "update" ${bytes} NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "user_id" varchar(36),
      PRIMARY KEY ("project_id", "seq")) WITHOUT ROWID`);
    await q.query(`INSERT INTO "doc_updates_keyed" ("project_id", "seq", "update", "created_at", "user_id") SELECT "project_id", "seq", "update", "created_at", "user_id" FROM "doc_updates"`);
    await q.query(`DROP TABLE "doc_updates"`);
    await q.query(`ALTER TABLE "doc_updates_keyed" RENAME TO "doc_updates"`);
  }

  async down(q: QueryRunner): Promise<void> {
    const { pg, timestamp: ts, now, bytes } = sqlDialect(q);
    if (pg) {
      await q.query(`ALTER TABLE "doc_updates" DROP CONSTRAINT "doc_updates_pkey"`);
      await q.query(`ALTER TABLE "doc_updates" ADD COLUMN "id" varchar(36) NOT NULL DEFAULT gen_random_uuid()::text`);
      await q.query(`ALTER TABLE "doc_updates" ALTER COLUMN "id" DROP DEFAULT`);
      await q.query(`ALTER TABLE "doc_updates" ADD CONSTRAINT "doc_updates_pkey" PRIMARY KEY ("id")`);
      await q.query(`CREATE UNIQUE INDEX "IDX_doc_updates_project_seq" ON "doc_updates" ("project_id", "seq")`);
      return;
    }
    await q.query(`CREATE TABLE "doc_updates_old" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "project_id" varchar(36) NOT NULL,
      "seq" integer NOT NULL,
      "update" ${bytes} NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "user_id" varchar(36))`);
    await q.query(`INSERT INTO "doc_updates_old" ("id", "project_id", "seq", "update", "created_at", "user_id") SELECT lower(hex(randomblob(16))), "project_id", "seq", "update", "created_at", "user_id" FROM "doc_updates"`);
    await q.query(`DROP TABLE "doc_updates"`);
    await q.query(`ALTER TABLE "doc_updates_old" RENAME TO "doc_updates"`);
    await q.query(`CREATE UNIQUE INDEX "IDX_doc_updates_project_seq" ON "doc_updates" ("project_id", "seq")`);
  }
}
