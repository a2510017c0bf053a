import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface StoredDocument {
  updates: Uint8Array[];
  /** Highest seq stored, 0 for a document with no rows. */
  lastSeq: number;
}

export interface UpdateRow {
  update: Uint8Array;
  userId: string | null;
}

/** The part of better-sqlite3 used here (the package ships no types of its own). */
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  /** Called as is, the transaction begins DEFERRED; `.immediate()` takes the write lock at BEGIN. */
  transaction(fn: () => void): (() => void) & { immediate(): void };
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const asBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Persistence of the collab documents: fetch bytes, store bytes, merge bytes. Nothing else touches
 * doc_updates (the table is described by doc-update.entity.ts for the schema check).
 *
 * Plain SQL rather than TypeORM's query builder: `append` runs once per keystroke batch on the hot
 * path of live editing, where the builder's work (and, on SQLite, its read-back of the generated
 * columns after every insert) cost more than the insert itself.
 */
@Injectable()
export class DocUpdatesRepository {
  private readonly store: DocUpdateStore;

  constructor(@InjectDataSource() db: DataSource) {
    this.store = db.options.type === 'better-sqlite3' ? new SqliteDocUpdates(db.driver as unknown as { databaseConnection: Database }) : new PostgresDocUpdates(db);
  }

  load(projectId: string): Promise<StoredDocument> {
    return this.store.load(projectId);
  }

  /**
   * Stores updates as rows firstSeq, firstSeq+1, … in one INSERT (all or none). The caller hands
   * out seqs (one writer per document); the unique index turns a second writer into an error, not a fork.
   */
  append(projectId: string, firstSeq: number, updates: UpdateRow[]): Promise<void> {
    return this.store.append(projectId, firstSeq, updates);
  }

  /** Replaces rows 1..upToSeq by one snapshot row at upToSeq, atomically, so a crash leaves either form. */
  compact(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void> {
    return this.store.compact(projectId, upToSeq, snapshot);
  }

  /**
   * Stores updates as the rows right after the highest seq stored, whoever stored it, in one
   * transaction under a per-project lock, and resolves with the last seq taken. For documents that
   * several instances write (scaled mode): seqs are drawn where the rows are, so two writers never
   * pick the same ones and no batch waits for a retry.
   */
  appendShared(projectId: string, updates: UpdateRow[]): Promise<number> {
    return this.store.appendShared(projectId, updates);
  }

  /**
   * Compaction when several instances write one document (scaled mode): under a per-project lock,
   * reads the rows as stored, `build` turns them into one snapshot, and exactly the rows read are
   * replaced by it (at the highest seq read). No instance's in-memory copy is trusted to hold
   * everything: a row another instance stored a moment ago is either read here or left in place.
   * Returns false when there were fewer than two rows.
   */
  compactStored(projectId: string, build: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    return this.store.compactStored(projectId, build);
  }

  count(projectId: string): Promise<number> {
    return this.store.count(projectId);
  }

  deleteProject(projectId: string): Promise<void> {
    return this.store.deleteProject(projectId);
  }
}

interface DocUpdateStore {
  load(projectId: string): Promise<StoredDocument>;
  append(projectId: string, firstSeq: number, updates: UpdateRow[]): Promise<void>;
  compact(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void>;
  appendShared(projectId: string, updates: UpdateRow[]): Promise<number>;
  compactStored(projectId: string, build: (updates: Uint8Array[]) => Uint8Array): Promise<boolean>;
  count(projectId: string): Promise<number>;
  deleteProject(projectId: string): Promise<void>;
}

const INSERT_COLUMNS = 'INSERT INTO doc_updates (project_id, seq, "update", user_id) VALUES';

/**
 * SQLite through the connection TypeORM opened (better-sqlite3 is synchronous): prepared
 * statements, and compaction as one synchronous transaction, so no other query can land inside it.
 */
class SqliteDocUpdates implements DocUpdateStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly driver: { databaseConnection: Database }) {}

  /** Prepared on first use: the table exists only once the migrations have run. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.driver.databaseConnection.prepare(sql)));
    return s;
  }

  async load(projectId: string): Promise<StoredDocument> {
    const rows = this.stmt('SELECT seq, "update" FROM doc_updates WHERE project_id = ? ORDER BY seq').all(projectId) as { seq: number; update: Buffer }[];
    return { updates: rows.map((r) => asBytes(r.update)), lastSeq: rows.at(-1)?.seq ?? 0 };
  }

  async append(projectId: string, firstSeq: number, updates: UpdateRow[]): Promise<void> {
    if (updates.length === 1) {
      const [{ update, userId }] = updates;
      this.stmt(`${INSERT_COLUMNS} (?, ?, ?, ?)`).run(projectId, firstSeq, asBuffer(update), userId);
      return;
    }
    const insert = this.stmt(`${INSERT_COLUMNS} (?, ?, ?, ?)`);
    this.driver.databaseConnection.transaction(() => {
      updates.forEach(({ update, userId }, i) => insert.run(projectId, firstSeq + i, asBuffer(update), userId));
    })();
  }

  async compact(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void> {
    const remove = this.stmt('DELETE FROM doc_updates WHERE project_id = ? AND seq <= ?');
    const insert = this.stmt(`${INSERT_COLUMNS} (?, ?, ?, NULL)`);
    this.driver.databaseConnection.transaction(() => {
      remove.run(projectId, upToSeq);
      insert.run(projectId, upToSeq, asBuffer(snapshot));
    })();
  }

  async appendShared(projectId: string, updates: UpdateRow[]): Promise<number> {
    const insert = this.stmt(`${INSERT_COLUMNS} (?, ?, ?, ?)`);
    const highest = this.stmt('SELECT MAX(seq) AS n FROM doc_updates WHERE project_id = ?');
    let last = 0;
    // IMMEDIATE takes SQLite's write lock before the read, so another process cannot take the same seqs in between.
    this.driver.databaseConnection
      .transaction(() => {
        const first = ((highest.get(projectId) as { n: number | null }).n ?? 0) + 1;
        updates.forEach(({ update, userId }, i) => insert.run(projectId, first + i, asBuffer(update), userId));
        last = first + updates.length - 1;
      })
      .immediate();
    return last;
  }

  async compactStored(projectId: string, build: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    let done = false;
    // Synchronous: no other statement of this process lands inside, and SQLite serialises writers.
    this.driver.databaseConnection.transaction(() => {
      const rows = this.stmt('SELECT seq, "update" FROM doc_updates WHERE project_id = ? ORDER BY seq').all(projectId) as { seq: number; update: Buffer }[];
      if (rows.length <= 1) return;
      const snapshot = build(rows.map((r) => asBytes(r.update)));
      const upTo = rows[rows.length - 1].seq;
      this.stmt('DELETE FROM doc_updates WHERE project_id = ? AND seq <= ?').run(projectId, upTo);
      this.stmt(`${INSERT_COLUMNS} (?, ?, ?, NULL)`).run(projectId, upTo, asBuffer(snapshot));
      done = true;
    })();
    return done;
  }

  async count(projectId: string): Promise<number> {
    return (this.stmt('SELECT COUNT(*) AS n FROM doc_updates WHERE project_id = ?').get(projectId) as { n: number }).n;
  }

  async deleteProject(projectId: string): Promise<void> {
    this.stmt('DELETE FROM doc_updates WHERE project_id = ?').run(projectId);
  }
}

/** PostgreSQL through TypeORM's pool; compaction in a transaction on a connection of its own. */
class PostgresDocUpdates implements DocUpdateStore {
  constructor(private readonly db: DataSource) {}

  async load(projectId: string): Promise<StoredDocument> {
    const rows: { seq: number; update: Buffer }[] = await this.db.query('SELECT seq, "update" FROM doc_updates WHERE project_id = $1 ORDER BY seq', [projectId]);
    return { updates: rows.map((r) => asBytes(r.update)), lastSeq: rows.at(-1)?.seq ?? 0 };
  }

  async append(projectId: string, firstSeq: number, updates: UpdateRow[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = updates.map(({ update, userId }, i) => {
      const n = params.push(projectId, firstSeq + i, asBuffer(update), userId);
      return `($${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await this.db.query(`${INSERT_COLUMNS} ${tuples.join(', ')}`, params);
  }

  async compact(projectId: string, upToSeq: number, snapshot: Uint8Array): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM doc_updates WHERE project_id = $1 AND seq <= $2', [projectId, upToSeq]);
      await tx.query(`${INSERT_COLUMNS} ($1, $2, $3, NULL)`, [projectId, upToSeq, asBuffer(snapshot)]);
    });
  }

  async appendShared(projectId: string, updates: UpdateRow[]): Promise<number> {
    // One round trip: the lock, then the INSERT under it, inside reelcraft_append_doc_updates
    // (migration 1765900000000). Its own key, not compaction's: appends go on while a snapshot is built.
    const [{ seq }]: { seq: number }[] = await this.db.query('SELECT reelcraft_append_doc_updates($1, $2::bytea[], $3::varchar[]) AS seq', [
      projectId,
      updates.map(({ update }) => asBuffer(update)),
      updates.map(({ userId }) => userId),
    ]);
    return seq;
  }

  async compactStored(projectId: string, build: (updates: Uint8Array[]) => Uint8Array): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // One compaction of a project at a time across every instance; appends go on meanwhile.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('doc_updates:' || $1))`, [projectId]);
      const rows: { seq: number; update: Buffer }[] = await tx.query('SELECT seq, "update" FROM doc_updates WHERE project_id = $1 ORDER BY seq', [projectId]);
      if (rows.length <= 1) return false;
      const snapshot = build(rows.map((r) => asBytes(r.update)));
      const seqs = rows.map((r) => r.seq);
      // Exactly the rows read: one committed after the SELECT (even with a lower seq) stays.
      await tx.query('DELETE FROM doc_updates WHERE project_id = $1 AND seq = ANY($2::int[])', [projectId, seqs]);
      await tx.query(`${INSERT_COLUMNS} ($1, $2, $3, NULL)`, [projectId, seqs[seqs.length - 1], asBuffer(snapshot)]);
      return true;
    });
  }

  async count(projectId: string): Promise<number> {
    const [{ n }]: { n: string }[] = await this.db.query('SELECT COUNT(*) AS n FROM doc_updates WHERE project_id = $1', [projectId]);
    return Number(n);
  }

  async deleteProject(projectId: string): Promise<void> {
    await this.db.query('DELETE FROM doc_updates WHERE project_id = $1', [projectId]);
  }
}
