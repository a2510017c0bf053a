import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/**
 * The tokens render workers on other hosts authenticate with (workers/worker-token.entity.ts).
 * Only a token's SHA-256 is stored. A name is unique among the tokens not revoked (a partial
 * index, which both databases have), so a revoked "gpu-01" can be issued again under its name.
 */
export class WorkerTokens1765600000000 implements MigrationInterface {
  name = 'WorkerTokens1765600000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`CREATE TABLE "worker_tokens" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "name" varchar(64) NOT NULL,
      "token_hash" varchar(64) NOT NULL,
      "created_by" varchar(36),
      "created_at" ${ts} NOT NULL,
      "last_used_at" ${ts},
      "revoked_at" ${ts},
      CONSTRAINT "FK_worker_tokens_created_by" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON DELETE SET NULL)`);
    await q.query(`CREATE UNIQUE INDEX "IDX_worker_tokens_token_hash" ON "worker_tokens" ("token_hash")`);
    await q.query(`CREATE UNIQUE INDEX "IDX_worker_tokens_active_name" ON "worker_tokens" ("name") WHERE "revoked_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "worker_tokens"`);
  }
}
