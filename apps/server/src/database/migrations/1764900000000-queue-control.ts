import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Queue control (task priority, per-user limits set by admins, the queue's pause switch) and picked takes. */
export class QueueControl1764900000000 implements MigrationInterface {
  name = 'QueueControl1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "priority" integer NOT NULL DEFAULT (0)`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "max_running_tasks" integer`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "max_queued_tasks" integer`);
    await q.query(`CREATE TABLE "server_settings" ("key" varchar(64) PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`CREATE TABLE "take_selections" (
      "project_id" varchar(36) NOT NULL,
      "scene_id" varchar(64) NOT NULL,
      "take_id" varchar(36) NOT NULL,
      "scene_hash" varchar(64) NOT NULL,
      "selected_by" varchar(36) NOT NULL,
      "selected_at" ${ts} NOT NULL,
      PRIMARY KEY ("project_id", "scene_id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "take_selections"`);
    await q.query(`DROP TABLE "server_settings"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "max_queued_tasks"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "max_running_tasks"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "priority"`);
  }
}
