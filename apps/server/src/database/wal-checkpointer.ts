import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';

/** SQLite's own default: checkpoint from the writing connection once the WAL holds this many pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * Runs in the worker thread, on a connection of its own to the same file. A PASSIVE checkpoint
 * never blocks the writer, so the copying and the fsync of the database file happen beside the
 * event loop instead of inside whichever commit crossed the threshold.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage(result);
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointResult {
  /** 1 when a reader or writer kept it from finishing (it tries again next time). */
  busy: number;
  /** Pages in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

interface SqliteConnection {
  name: string;
  pragma(source: string, options?: { simple: boolean }): unknown;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits
 * past 1000 WAL pages checkpoints inline, which stalled every ~300th collab keystroke for 4-5 ms
 * here (on a slow disk it is the fsync of the database file, far longer). The server's connection
 * stops auto-checkpointing and a worker thread checkpoints every `intervalMs` instead; should the
 * worker ever stop, the connection goes back to checkpointing itself, so the WAL cannot grow unbounded.
 */
@Injectable()
export class WalCheckpointer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('WalCheckpointer');
  private worker: Worker | null = null;
  private stopping = false;
  intervalMs = 1000;
  /** The most recent checkpoint, for tests and diagnostics. */
  last: CheckpointResult | null = null;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    if (this.db.options.type !== 'better-sqlite3') return;
    const conn = (this.db.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    // In-memory databases have no file another connection could open.
    if (conn.name === ':memory:' || conn.name === '') return;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), path: conn.name, intervalMs: this.intervalMs } });
    worker.unref();
    worker.on('message', (r: CheckpointResult) => (this.last = r));
    worker.on('error', (err) => this.logger.warn(`the checkpoint thread failed: ${err.message}`));
    worker.on('exit', () => {
      this.worker = null;
      if (this.stopping) return;
      this.logger.warn('the checkpoint thread stopped; the server connection checkpoints the WAL itself again');
      conn.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    });
    conn.pragma('wal_autocheckpoint = 0');
    this.worker = worker;
  }

  /** Stops the thread (and, unless shutting down, hands checkpointing back to the connection). */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage('stop');
    await exited;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.stop();
  }
}
