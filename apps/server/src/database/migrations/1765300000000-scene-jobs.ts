import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** Scenes rendered as jobs of their own: when each started, and each take's last frame for chained scenes. */
export class SceneJobs1765300000000 implements MigrationInterface {
  name = 'SceneJobs1765300000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`ALTER TABLE "scenes" ADD COLUMN "started_at" ${ts}`);
    await q.query(`ALTER TABLE "takes" ADD COLUMN "last_frame_path" varchar(300)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "takes" DROP COLUMN "last_frame_path"`);
    await q.query(`ALTER TABLE "scenes" DROP COLUMN "started_at"`);
  }
}
