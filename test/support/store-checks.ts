import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { SCALED_PG_URL } from './scaled-env';
import type { ServerProcess } from './server-process';

/** Read access to a server's database, whichever it is. */
export interface StoreReader {
  readonly kind: 'sqlite' | 'postgres';
  rows<T>(sql: string): Promise<T[]>;
}

export const readerOf = (server: ServerProcess): StoreReader => ({ kind: server.database, rows: (sql) => server.rows(sql) });

/** A schema of the local PostgreSQL that several servers share (scaled mode), read with that schema first on the search path. */
export function pgReader(schema: string): StoreReader {
  return {
    kind: 'postgres',
    async rows<T>(sql: string): Promise<T[]> {
      const client = new Client({ connectionString: SCALED_PG_URL, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return (await client.query(sql)).rows as T[];
      } finally {
        await client.end();
      }
    },
  };
}

export interface TaskEnd {
  id: string;
  status: string;
  error: string | null;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Waits (bounded) until every task of the database has ended, and answers the tasks. A task still
 * pending or running past the wait, or one failed without a reason, is a problem.
 */
export async function settleTasks(db: StoreReader, timeoutMs: number): Promise<{ tasks: TaskEnd[]; problems: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let tasks: TaskEnd[] = [];
  for (;;) {
    tasks = await db.rows<TaskEnd>('SELECT id, status, error FROM tasks');
    if (tasks.every((t) => TERMINAL.has(t.status)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const problems = tasks.flatMap((t) => {
    if (!TERMINAL.has(t.status)) return [`task ${t.id} is still ${t.status} after ${timeoutMs} ms`];
    if (t.status === 'failed' && !t.error?.trim()) return [`task ${t.id} failed without a reason`];
    return [];
  });
  return { tasks, problems };
}

interface StoredFile {
  what: string;
  path: string;
  bytes: number | string;
  sha256: string;
}

const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Per path and checksum: a file ffprobe read once needs no second look while its bytes stay the same. */
export type ProbeCache = Map<string, number>;

/** The duration ffprobe reads from a video file (it must hold a video stream); throws when it cannot read one. */
export async function videoDuration(path: string): Promise<number> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', path]);
  const probed = JSON.parse(stdout) as { streams?: { codec_type?: string }[]; format?: { duration?: string } };
  if (!probed.streams?.some((s) => s.codec_type === 'video')) throw new Error('no video stream');
  return Number(probed.format?.duration);
}

/**
 * Every video the database lists (takes, clips and final videos) and every stored upload: the file
 * exists with the recorded size and checksum (so it is whole: a half-written file differs), and
 * each video reads in ffprobe with a duration above 0.
 */
export async function checkStoredMedia(db: StoreReader, dataDir: string, cache: ProbeCache): Promise<{ files: number; problems: string[] }> {
  const listed: StoredFile[] = [
    ...(await db.rows<StoredFile>(`SELECT 'take ' || id AS what, clip_path AS path, bytes, sha256 FROM takes`)),
    ...(await db.rows<StoredFile>(`SELECT kind || ' video ' || id AS what, file_path AS path, bytes, sha256 FROM video_resources`)),
  ];
  const uploads = await db.rows<StoredFile>(`SELECT 'upload ' || id AS what, file_path AS path, bytes, sha256 FROM scene_media`);
  const problems: string[] = [];
  for (const file of [...listed, ...uploads]) {
    const path = join(dataDir, file.path);
    const size = await stat(path).then((s) => s.size, () => null);
    if (size === null) {
      problems.push(`${file.what}: ${file.path} is missing`);
      continue;
    }
    if (size !== Number(file.bytes)) {
      problems.push(`${file.what}: ${file.path} has ${size} bytes, ${file.bytes} recorded`);
      continue;
    }
    const sum = await sha256Of(path);
    if (sum !== file.sha256) {
      problems.push(`${file.what}: ${file.path} does not match its recorded checksum`);
      continue;
    }
    if (uploads.includes(file)) continue;
    const key = `${file.path}:${sum}`;
    if (cache.has(key)) continue;
    try {
      const duration = await videoDuration(path);
      if (!(duration > 0)) problems.push(`${file.what}: ${file.path} has duration ${duration}`);
      else cache.set(key, duration);
    } catch (err) {
      problems.push(`${file.what}: ffprobe cannot read ${file.path}: ${(err as Error).message.trim().split('\n').pop()}`);
    }
  }
  return { files: listed.length + uploads.length, problems };
}

/**
 * The database's own consistency. SQLite: `PRAGMA integrity_check` answers ok and
 * `PRAGMA foreign_key_check` finds no row pointing at a missing one. PostgreSQL (whose pages the
 * server cannot tear): every foreign key of the schema holds, checked by a query per constraint
 * that counts the rows whose key names no row of the referenced table.
 */
export async function checkDatabase(db: StoreReader): Promise<{ checked: string; problems: string[] }> {
  if (db.kind === 'sqlite') {
    const integrity = await db.rows<{ integrity_check: string }>('PRAGMA integrity_check');
    const orphans = await db.rows<{ table: string; parent: string }>('PRAGMA foreign_key_check');
    const problems = integrity.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    for (const o of orphans) problems.push(`a row of ${o.table} points at a missing row of ${o.parent}`);
    return { checked: 'PRAGMA integrity_check, PRAGMA foreign_key_check', problems };
  }
  const fks = await db.rows<{ name: string; child: string; parent: string; cols: string[]; refcols: string[] }>(`
    SELECT con.conname AS name, cl.relname AS child, pcl.relname AS parent,
      (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS cols,
      (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS refcols
    FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_class pcl ON pcl.oid = con.confrelid
    JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    WHERE con.contype = 'f' AND ns.nspname = current_schema()`);
  const problems: string[] = [];
  if (!fks.length) problems.push('no foreign keys found in the schema (wrong schema?)');
  for (const fk of fks) {
    const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
    const set = fk.cols.map((c) => `c.${q(c)} IS NOT NULL`).join(' AND ');
    const match = fk.cols.map((c, i) => `p.${q(fk.refcols[i]!)} = c.${q(c)}`).join(' AND ');
    const [{ n }] = await db.rows<{ n: string }>(`SELECT count(*) AS n FROM ${q(fk.child)} c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM ${q(fk.parent)} p WHERE ${match})`);
    if (Number(n) > 0) problems.push(`${n} row(s) of ${fk.child} break ${fk.name} (no such ${fk.parent})`);
  }
  return { checked: `${fks.length} foreign keys, each by an orphan-row count`, problems };
}
