import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Scene } from '../renders/scene.entity';
import { VideoResource } from '../renders/video-resource.entity';
import { createApp } from '../bootstrap';
import { loadConfig, type AppConfig } from '../config/config';

export type DatabaseKind = 'sqlite' | 'postgres';
export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

/** `REELCRAFT_TEST_DB` as given: the one database this test run is about, or undefined (the default). */
function chosenTestDatabase(): DatabaseKind | undefined {
  const value = process.env.REELCRAFT_TEST_DB?.trim() ?? '';
  if (value === '') return undefined;
  if (value === 'sqlite' || value === 'postgres') return value;
  throw new Error(`REELCRAFT_TEST_DB must be "sqlite" or "postgres", not ${JSON.stringify(value)}`);
}

/**
 * The database the server suites run on: `REELCRAFT_TEST_DB=postgres` runs them on the local
 * PostgreSQL (TEST_PG_URL, a fresh schema per app), unset or `sqlite` on a SQLite file in the
 * app's data folder. Specs that are about one database name it instead of calling this.
 */
export function defaultTestDatabase(): DatabaseKind {
  return chosenTestDatabase() ?? 'sqlite';
}

/**
 * The databases of a spec that compares both: SQLite and PostgreSQL when REELCRAFT_TEST_DB is
 * unset, only the chosen one when it is set, so that CI's two passes (one per database) run
 * each leg once instead of twice.
 */
export function testDatabases(): DatabaseKind[] {
  const chosen = chosenTestDatabase();
  return chosen ? [chosen] : ['sqlite', 'postgres'];
}

/**
 * A database that outlives one app, for restart tests: the returned env (pass it to every
 * startTestApp with the same DATA_DIR) joins one PostgreSQL schema; SQLite needs nothing, its
 * file lives in DATA_DIR. `drop` removes the schema once the last app is closed.
 */
export async function restartableTestDatabase(kind: DatabaseKind): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { env: {}, drop: async () => {} };
  const pg = await freshPgSchema();
  return { env: { DATABASE_SCHEMA: pg.schema }, drop: pg.drop };
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  close(): Promise<void>;
}

let schemaCount = 0;
let orphansSwept = false;

/** A fresh PostgreSQL schema for one test run; the returned function drops it again. */
export async function freshPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  // pid: test runs of other engineers share this database; the counter: two schemas in one millisecond.
  const schema = `rc_test_${process.pid}_${Date.now().toString(36)}_${schemaCount++}`;
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  if (!orphansSwept) {
    orphansSwept = true;
    await dropOrphanSchemas(client);
  }
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  return {
    schema,
    async drop() {
      const c = new Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/**
 * Drops the schemas of test processes on this machine that are gone (a killed or crashed run never
 * reached its drop): server suites' rc_test_<pid>_… and cross-app servers' rc_e2e_<pid>_….
 * A schema whose process lives, another run's here included, is left alone.
 */
async function dropOrphanSchemas(client: Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'rc\\_test\\_%' OR nspname LIKE 'rc\\_e2e\\_%'`);
  for (const { name } of rows) {
    const pid = Number(name.split('_')[2]);
    // Another run starting now may sweep the same schema: whoever drops it second may fail, harmlessly.
    if (!processAlive(pid)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => {});
  }
}

/** Whether a process with this pid exists here (signal 0 sends nothing); a name without one counts as alive. */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Boots the real application on a random loopback port with its own data folder and database.
 * On PostgreSQL, an `env.DATABASE_SCHEMA` joins that schema (a second server process on one
 * database; the caller drops it) instead of a fresh one.
 */
export async function startTestApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-test-'));
  const pg = kind === 'postgres' && !env.DATABASE_SCHEMA ? await freshPgSchema() : null;
  const config = loadConfig({
    DATA_DIR: dataDir,
    REELCRAFT_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    STUDIO_DIR: join(dataDir, 'no-studio'),
    ...(kind === 'postgres' ? { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: pg?.schema ?? env.DATABASE_SCHEMA } : {}),
    ...env,
  });
  const cleanUp = async () => {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let app: NestExpressApplication | undefined;
  try {
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    // A boot that fails (a migration, a port) must not leave its schema in the shared database.
    await app?.close().catch(() => {});
    await cleanUp();
    throw err;
  }
  const address = app.getHttpServer().address() as { port: number };
  const started = app;
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${address.port}`,
    async close() {
      try {
        await started.close();
      } finally {
        await cleanUp();
      }
    },
  };
}

/** The absolute paths of a finished task's scene clips (its takes), in scene order. */
export async function clipFiles(t: TestApp, taskId: string): Promise<string[]> {
  const db = t.app.get(DataSource);
  const scenes = await db.getRepository(Scene).find({ where: { task_id: taskId }, order: { scene_number: 'ASC' } });
  const clips = await db.getRepository(VideoResource).find({ where: { task_id: taskId, kind: 'clip' } });
  return scenes.map((s) => join(t.config.dataDir, clips.find((c) => c.scene_id === s.id)!.file_path));
}

/** A small fetch wrapper for API tests: JSON in, status + JSON (or text) out. */
export function apiClient(baseUrl: string, token?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
}

export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await apiClient(baseUrl)('POST', '/api/users/login', { username, password });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  return res.json.token as string;
}

/** Polls a task until it reaches a final status or the deadline passes. */
export async function waitForTask(baseUrl: string, token: string, id: string, timeoutMs = 120_000): Promise<any> {
  const call = apiClient(baseUrl, token);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/api/tasks/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(res.json?.status)) return res.json;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${res.json?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls `check` until it returns a value, within a bounded time. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
