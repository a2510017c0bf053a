import { MigrationInterface, QueryRunner } from 'typeorm';

/** A task can carry the storyboard to render (rendering an edited project) instead of only a prompt. */
export class TaskPlan1764400000000 implements MigrationInterface {
  name = 'TaskPlan1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "plan" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "plan"`);
  }
}
