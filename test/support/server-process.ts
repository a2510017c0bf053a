import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

export const ROOT = resolve(__dirname, '../..');
export const ADMIN_PASSWORD = 'cross-app-admin-password';
const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** better-sqlite3 (the server's own driver) has no types installed here: only what these tests call. */
type ReadOnlyDb = { prepare(sql: string): { all(): unknown[] }; close(): void };
const SqliteDatabase = createRequire(__filename)('better-sqlite3') as new (path: string, options: { readonly: boolean }) => ReadOnlyDb;

/**
 * The database the servers run on, the same switch as the server suites' (apps/server/src/testing/test-app.ts):
 * `REELCRAFT_TEST_DB=postgres` gives each ServerProcess its own schema of the local PostgreSQL, kept
 * across its restarts; unset or `sqlite`, the SQLite file in its data folder.
 */
export function testDatabase(): 'sqlite' | 'postgres' {
  const value = process.env.REELCRAFT_TEST_DB?.trim() ?? '';
  if (value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'postgres') return 'postgres';
  throw new Error(`REELCRAFT_TEST_DB must be "sqlite" or "postgres", not ${JSON.stringify(value)}`);
}

let schemaCount = 0;

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** The built server (`npm start`'s entry point) as a real process with its own data folder. */
export class ServerProcess {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-e2e-'));
  readonly database = testDatabase();
  // pid and time: other test runs share the PostgreSQL database.
  readonly schema = this.database === 'postgres' ? `rc_e2e_${process.pid}_${Date.now().toString(36)}_${schemaCount++}` : null;
  private schemaCreated = false;
  child: ChildProcess | null = null;
  port = 0;
  log = '';

  constructor(private readonly env: Record<string, string> = {}) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    if (this.schema && !this.schemaCreated) {
      await this.pg(`CREATE SCHEMA "${this.schema}"`);
      this.schemaCreated = true;
    }
    const database = this.schema ? { DATABASE_URL: TEST_PG_URL, DATABASE_SCHEMA: this.schema } : {};
    const child = spawn(process.execPath, [join(ROOT, 'apps/server/dist/main.js')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, REELCRAFT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...database, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${this.log}`);
      try {
        if ((await fetch(`${this.baseUrl}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server did not answer within 60 s:\n${this.log}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((res) => {
      child.once('exit', () => res());
      child.kill(signal);
    });
  }

  /** Rows of a read-only query on the server's database, whichever it is (the server may be running). */
  async rows<T>(sql: string): Promise<T[]> {
    if (this.schema) return (await this.pg(sql, this.schema)) as T[];
    const db = new SqliteDatabase(join(this.dataDir, 'reelcraft.sqlite'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  async dispose(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.schemaCreated) await this.pg(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }

  private async pg(sql: string, searchPath?: string): Promise<unknown[]> {
    const client = new Client({ connectionString: TEST_PG_URL, ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}) });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
}

export async function api(baseUrl: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export async function loginAdmin(baseUrl: string): Promise<string> {
  const res = await api(baseUrl, 'POST', '/api/users/login', undefined, { username: 'admin', password: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status}`);
  return res.json.token;
}

/** Polls until `check` returns a value, within a bounded time. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
