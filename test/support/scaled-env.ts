import Redis from 'ioredis';
import { Client as PgClient } from 'pg';

/** The local services of the scaled-mode tests, shared with other test runs: each run has its own schema and key prefix. */
export const SCALED_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const SCALED_REDIS_URL = 'redis://127.0.0.1:6379';

async function onPg<T>(work: (pg: PgClient) => Promise<T>): Promise<T> {
  const pg = new PgClient({ connectionString: SCALED_PG_URL });
  await pg.connect();
  try {
    return await work(pg);
  } finally {
    await pg.end();
  }
}

/**
 * A fresh schema on the local PostgreSQL and a Redis key prefix of this run's own: the env of
 * server processes that share them (scaled mode). `cleanUp` drops the schema and deletes the keys.
 */
export async function scaledEnv(tag: string): Promise<{ env: Record<string, string>; schema: string; cleanUp(): Promise<void> }> {
  const id = `${process.pid}_${Date.now().toString(36)}`;
  const schema = `${tag}_${id}`;
  const prefix = `reelcraft-${tag}:${id}:`;
  await onPg((pg) => pg.query(`CREATE SCHEMA "${schema}"`));
  return {
    schema,
    env: { DATABASE_URL: SCALED_PG_URL, DATABASE_SCHEMA: schema, REDIS_URL: SCALED_REDIS_URL, REDIS_PREFIX: prefix },
    async cleanUp() {
      await onPg((pg) => pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      const redis = new Redis(SCALED_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Every stored Yjs update of a project in the schema, in seq order: what a cold load applies. */
export function storedDocUpdates(schema: string, projectId: string): Promise<Uint8Array[]> {
  return onPg(async (pg) => {
    const { rows } = await pg.query<{ update: Buffer }>(`SELECT "update" FROM "${schema}".doc_updates WHERE project_id = $1 ORDER BY seq`, [projectId]);
    return rows.map((r) => new Uint8Array(r.update));
  });
}
