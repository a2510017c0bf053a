import { Inject, Injectable, Logger } from '@nestjs/common';
import type { WorkerHeartbeat, WorkerView } from '@reelcraft/shared';
import { oneLine } from '../common/one-line';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';

/** A worker is listed as alive while its latest heartbeat is within this many intervals. */
export const ALIVE_INTERVALS = 3;
/** A worker not heard from for this long is dropped from the list (it was stopped, or restarted under a new id). */
export const FORGET_AFTER_MS = 60 * 60 * 1000;

/** The longest a heartbeat or a listing waits for the server's first Redis connection. */
const STARTUP_WAIT_MS = 3000;

type Entry = Omit<WorkerView, 'alive'>;

/**
 * The render workers that sent heartbeats lately, as the admin console lists them. In scaled mode
 * every worker is one field (its worker_id) of the Redis hash `<prefix>workers`, so whichever
 * instance a heartbeat reached, every instance lists the same workers; without Redis, a map in
 * this process. The server's own local workers are recorded here too, directly.
 *
 * `record` never rejects: a heartbeat or a local worker must not fail because Redis is away. It
 * also keeps the entry in this process's map, which `list` falls back to (this instance's view
 * only) when Redis cannot be read.
 */
@Injectable()
export class WorkerDirectory {
  /** The clock, replaceable by tests. */
  now: () => number = Date.now;
  readonly heartbeatMs: number;
  private readonly logger = new Logger('Workers');
  private readonly local = new Map<string, Entry>();
  private readonly key: string;
  private redisFailing = false;
  private prunedAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly redis: RedisConnections,
  ) {
    this.heartbeatMs = config.workers.heartbeatMs;
    this.key = `${redis.prefix}workers`;
  }

  async record(heartbeat: WorkerHeartbeat & { token_name: string }): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const known = this.local.get(heartbeat.worker_id);
    const entry: Entry = { ...heartbeat, first_seen: known?.first_seen ?? at, last_heartbeat: at };
    this.local.set(heartbeat.worker_id, entry);
    // Listing prunes too, but nobody may list for days while workers come and go.
    if (this.now() - this.prunedAt > 60_000) this.pruneLocal();
    const redis = await this.redisUnlessClosing();
    if (!redis) return;
    try {
      // first_seen comes from the stored entry when there is one: the worker's earlier heartbeats
      // may have reached another instance. One worker sends one heartbeat at a time, so the read
      // and the write need no lock.
      const stored = parseEntry(await redis.hget(this.key, heartbeat.worker_id));
      if (stored) entry.first_seen = stored.first_seen;
      await redis.hset(this.key, heartbeat.worker_id, JSON.stringify(entry));
      this.redisBack();
    } catch (err) {
      this.redisDown(err);
    }
  }

  /** Every worker heard from within the last hour, alive ones first, then by host and id. */
  async list(): Promise<WorkerView[]> {
    const now = this.now();
    let entries: Entry[];
    const redis = await this.redisUnlessClosing();
    if (redis) {
      try {
        const fields = await redis.hgetall(this.key);
        entries = [];
        const stale: string[] = [];
        for (const [id, json] of Object.entries(fields)) {
          const e = parseEntry(json);
          if (!e || now - Date.parse(e.last_heartbeat) > FORGET_AFTER_MS) stale.push(id);
          else entries.push(e);
        }
        if (stale.length) await redis.hdel(this.key, ...stale);
        this.redisBack();
      } catch (err) {
        this.redisDown(err);
        entries = [...this.local.values()];
      }
    } else {
      entries = [...this.local.values()];
    }
    this.pruneLocal();
    const aliveWithin = ALIVE_INTERVALS * this.heartbeatMs;
    return entries
      .filter((e) => now - Date.parse(e.last_heartbeat) <= FORGET_AFTER_MS)
      .map((e) => ({ ...e, alive: now - Date.parse(e.last_heartbeat) <= aliveWithin }))
      .sort((a, b) => Number(b.alive) - Number(a.alive) || a.host.localeCompare(b.host) || a.worker_id.localeCompare(b.worker_id));
  }

  /**
   * Redis once its first connection attempt is over, and not while the server shuts down: timers
   * firing during either are not an outage to report.
   */
  private async redisUnlessClosing() {
    await this.redis.startedWithin(STARTUP_WAIT_MS);
    return this.redis.closing ? null : this.redis.command;
  }

  private pruneLocal(): void {
    const now = (this.prunedAt = this.now());
    for (const [id, e] of this.local) if (now - Date.parse(e.last_heartbeat) > FORGET_AFTER_MS) this.local.delete(id);
  }

  /** One line when Redis stops answering, one when it answers again (heartbeats come every few seconds). */
  private redisDown(err: unknown): void {
    if (this.redisFailing) return;
    this.redisFailing = true;
    this.logger.warn(`the worker list in Redis cannot be reached; this instance lists only the workers it heard from: ${oneLine(err)}`);
  }

  private redisBack(): void {
    if (!this.redisFailing) return;
    this.redisFailing = false;
    this.logger.log('the worker list in Redis answers again');
  }
}

/** A stored entry, or null for one this version cannot read (it is dropped when listing). */
function parseEntry(json: string | null | undefined): Entry | null {
  if (!json) return null;
  try {
    const e = JSON.parse(json) as Partial<Entry>;
    if (typeof e.worker_id !== 'string' || typeof e.host !== 'string' || typeof e.last_heartbeat !== 'string' || typeof e.first_seen !== 'string') return null;
    if (Number.isNaN(Date.parse(e.last_heartbeat))) return null;
    return e as Entry;
  } catch {
    return null;
  }
}
