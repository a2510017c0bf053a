import { MigrationInterface, QueryRunner } from 'typeorm';

/** What signed a session in (browser and address), so a user can tell their sessions apart and end one. */
export class SessionClient1765700000000 implements MigrationInterface {
  name = 'SessionClient1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sessions" ADD COLUMN "user_agent" varchar(300)`);
    await q.query(`ALTER TABLE "sessions" ADD COLUMN "address" varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "address"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "user_agent"`);
  }
}
