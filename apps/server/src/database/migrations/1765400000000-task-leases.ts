import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Which server process runs a task and until when (its lease), so processes on one database never take each other's live tasks. */
export class TaskLeases1765400000000 implements MigrationInterface {
  name = 'TaskLeases1765400000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "lease_owner" varchar(200)`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "lease_until" ${ts}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "lease_until"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "lease_owner"`);
  }
}
