import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a task failed as a stable code (TASK_FAILURE_CODES in libs/shared) beside the English
 * `error`, so the studio can say it in the reader's language. No CHECK on its values: the list
 * grows with new failure sources, and an older server reading a newer code shows it as generic.
 */
export class TaskFailureCode1765850000000 implements MigrationInterface {
  name = 'TaskFailureCode1765850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "failure_code" varchar(32)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "failure_code"`);
  }
}
