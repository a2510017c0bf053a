import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { deleteRedisKeys } from '../../src/testing/redis-keys';
import { freshPgSchema, startTestApp, type TestApp } from '../../src/testing/test-app';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Server instances (Nest apps in this test process) sharing one fresh PostgreSQL schema and, when
 * asked, one Redis under a key prefix of this run's own: the scaled mode's set-up for a spec.
 */
export interface SharedInstances {
  readonly schema: string;
  /** REDIS_PREFIX of every instance; null without Redis. */
  readonly prefix: string | null;
  /** One more instance on the schema (and Redis); `env` is added to the set's own. The first one migrates. */
  start(env?: Record<string, string>): Promise<TestApp>;
  /** Closes one instance now (a graceful shutdown), instead of with the rest. */
  stop(instance: TestApp): Promise<void>;
  /** Closes every instance still running, newest first. */
  stopAll(): Promise<void>;
  /** stopAll, then drops the schema and deletes this run's Redis keys. */
  close(): Promise<void>;
}

/**
 * `redis`: whether the instances run in scaled mode against the local Redis; `env`: settings every
 * instance gets (REDIS_URL in it points one at another address, such as a proxy in front of Redis).
 */
export async function sharedInstances({ redis = false, env = {} }: { redis?: boolean; env?: Record<string, string> } = {}): Promise<SharedInstances> {
  const pg = await freshPgSchema();
  // Unique per run and per set, so parallel specs and reruns never hear each other.
  const prefix = redis ? `reelcraft-test:${process.pid}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:` : null;
  // One data folder for the set, as the scaled compose file mounts one volume into every instance.
  const dataDir = mkdtempSync(join(tmpdir(), 'reelcraft-shared-'));
  const shared = { ...(prefix ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix } : {}), DATABASE_SCHEMA: pg.schema, DATA_DIR: dataDir, ...env };
  const running: TestApp[] = [];
  const stop = async (instance: TestApp) => {
    const at = running.indexOf(instance);
    if (at < 0) return;
    running.splice(at, 1);
    await instance.close();
  };
  const stopAll = async () => {
    // One at a time and newest first: later instances may depend on what the first one set up.
    for (const instance of [...running].reverse()) await stop(instance);
  };
  return {
    schema: pg.schema,
    prefix,
    async start(extra = {}) {
      const instance = await startTestApp('postgres', { ...shared, ...extra });
      running.push(instance);
      return instance;
    },
    stop,
    stopAll,
    async close() {
      try {
        await stopAll();
      } finally {
        await pg.drop();
        rmSync(dataDir, { recursive: true, force: true });
        if (prefix) {
          const r = new Redis(TEST_REDIS_URL);
          try {
            await deleteRedisKeys(r, prefix);
          } finally {
            await r.quit();
          }
        }
      }
    },
  };
}
