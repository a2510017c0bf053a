import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which planner wrote a storyboard (LLM or rule-based, and why it fell back), stored with the
 * seed-API task and with the project: a fallback from the LLM must never be silent.
 */
export class PlannerRecord1764450000000 implements MigrationInterface {
  name = 'PlannerRecord1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "planner" text`);
    await q.query(`ALTER TABLE "projects" ADD COLUMN "planner" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "projects" DROP COLUMN "planner"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "planner"`);
  }
}
