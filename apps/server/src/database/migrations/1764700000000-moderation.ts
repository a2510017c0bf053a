import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** The content filter's rules, the audit log and the review queue (see src/moderation). */
export class Moderation1764700000000 implements MigrationInterface {
  name = 'Moderation1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, now, false: no } = sqlDialect(q);
    await q.query(`CREATE TABLE "filter_rules" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "pattern" varchar(200) NOT NULL,
      "kind" varchar(8) NOT NULL,
      "category" varchar(40) NOT NULL,
      "action" varchar(8) NOT NULL,
      "stages" text NOT NULL,
      "enabled" boolean NOT NULL DEFAULT (${no === '0' ? '1' : 'true'}),
      "hits" integer NOT NULL DEFAULT (0),
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "updated_at" ${ts} NOT NULL DEFAULT (${now}),
      CONSTRAINT "CHK_filter_rules_kind" CHECK ("kind" IN ('word', 'regex')),
      CONSTRAINT "CHK_filter_rules_action" CHECK ("action" IN ('block', 'mask', 'review')))`);
    await q.query(`CREATE UNIQUE INDEX "IDX_filter_rules_kind_pattern" ON "filter_rules" ("kind", "pattern")`);
    await q.query(`CREATE TABLE "filter_state" ("id" integer PRIMARY KEY NOT NULL, "revision" integer NOT NULL DEFAULT (0))`);
    await q.query(`INSERT INTO "filter_state" ("id", "revision") VALUES (1, 0)`);
    await q.query(`CREATE TABLE "audit_log" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "at" ${ts} NOT NULL,
      "kind" varchar(16) NOT NULL,
      "action" varchar(40) NOT NULL,
      "user_id" varchar(36),
      "username" varchar(64),
      "target" varchar(64),
      "detail" text NOT NULL)`);
    await q.query(`CREATE INDEX "IDX_audit_log_at" ON "audit_log" ("at")`);
    await q.query(`CREATE INDEX "IDX_audit_log_username_at" ON "audit_log" ("username", "at")`);
    await q.query(`CREATE TABLE "review_items" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "kind" varchar(16) NOT NULL,
      "target_id" varchar(36) NOT NULL,
      "text" text NOT NULL,
      "matches" text NOT NULL,
      "stage" varchar(24) NOT NULL,
      "user_id" varchar(36) NOT NULL,
      "username" varchar(64) NOT NULL,
      "status" varchar(16) NOT NULL DEFAULT ('pending'),
      "decided_by" varchar(64),
      "note" varchar(500),
      "created_at" ${ts} NOT NULL,
      "decided_at" ${ts},
      CONSTRAINT "CHK_review_items_status" CHECK ("status" IN ('pending', 'approved', 'rejected')))`);
    await q.query(`CREATE INDEX "IDX_review_items_status_created" ON "review_items" ("status", "created_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['review_items', 'audit_log', 'filter_state', 'filter_rules']) await q.query(`DROP TABLE "${table}"`);
  }
}
