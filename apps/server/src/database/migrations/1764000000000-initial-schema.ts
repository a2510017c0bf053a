import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/**
 * The original design's four tables (users, tasks, scenes, video resources) plus sessions.
 * One migration serves SQLite and PostgreSQL; only the timestamp type differs between them.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts, now, false: no } = sqlDialect(q);
    await q.query(`CREATE TABLE "users" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "username" varchar(64) NOT NULL,
      "password_hash" varchar(255) NOT NULL,
      "role" varchar(16) NOT NULL DEFAULT 'user',
      "disabled" boolean NOT NULL DEFAULT (${no}),
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      CONSTRAINT "UQ_users_username" UNIQUE ("username"))`);
    await q.query(`CREATE TABLE "sessions" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "user_id" varchar(36) NOT NULL,
      "token_hash" varchar(64) NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "expires_at" ${ts} NOT NULL,
      "revoked_at" ${ts},
      CONSTRAINT "UQ_sessions_token_hash" UNIQUE ("token_hash"))`);
    await q.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
    await q.query(`CREATE TABLE "tasks" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "owner_id" varchar(36) NOT NULL,
      "prompt" text NOT NULL,
      "status" varchar(16) NOT NULL DEFAULT 'pending',
      "error" text,
      "attempts" integer NOT NULL DEFAULT (0),
      "created_at" ${ts} NOT NULL DEFAULT (${now}),
      "started_at" ${ts},
      "finished_at" ${ts})`);
    await q.query(`CREATE INDEX "IDX_tasks_owner_id" ON "tasks" ("owner_id")`);
    await q.query(`CREATE INDEX "IDX_tasks_status" ON "tasks" ("status")`);
    await q.query(`CREATE TABLE "scenes" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "task_id" varchar(36) NOT NULL,
      "scene_number" integer NOT NULL,
      "description" text NOT NULL,
      "subtitle" text NOT NULL DEFAULT (''),
      "camera_settings" text NOT NULL,
      "duration_sec" integer NOT NULL)`);
    await q.query(`CREATE UNIQUE INDEX "IDX_scenes_task_scene" ON "scenes" ("task_id", "scene_number")`);
    await q.query(`CREATE TABLE "video_resources" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "task_id" varchar(36) NOT NULL,
      "scene_id" varchar(36),
      "kind" varchar(8) NOT NULL,
      "file_path" text NOT NULL,
      "frame_rate" integer NOT NULL,
      "resolution" varchar(16) NOT NULL,
      "duration" double precision NOT NULL,
      "bytes" bigint NOT NULL,
      "sha256" varchar(64) NOT NULL,
      "created_at" ${ts} NOT NULL DEFAULT (${now}))`);
    await q.query(`CREATE INDEX "IDX_video_resources_task_id" ON "video_resources" ("task_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['video_resources', 'scenes', 'tasks', 'sessions', 'users']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
