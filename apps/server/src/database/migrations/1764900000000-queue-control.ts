import { MigrationInterface, QueryRunner } from 'typeorm';

/** Queue control: task priority, per-user limits set by admins, and the queue's pause switch. */
export class QueueControl1764900000000 implements MigrationInterface {
  name = 'QueueControl1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "priority" integer NOT NULL DEFAULT (0)`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "max_running_tasks" integer`);
    await q.query(`ALTER TABLE "users" ADD COLUMN "max_queued_tasks" integer`);
    await q.query(`CREATE TABLE "server_settings" ("key" varchar(64) PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "server_settings"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "max_queued_tasks"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "max_running_tasks"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "priority"`);
  }
}
