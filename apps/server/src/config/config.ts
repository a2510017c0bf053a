import { isAbsolute, resolve } from 'node:path';
import { ONNX_DEVICES, type OnnxDevice } from '@reelcraft/inference';
import { z } from 'zod';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const EnvSchema = z.object({
  PORT: int(8000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    error: 'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite file)',
  }),
  /** PostgreSQL schema to use instead of `public` (tests use a fresh one per run). */
  DATABASE_SCHEMA: optionalString.refine((v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/.test(v), {
    error: 'DATABASE_SCHEMA must be a lower-case SQL identifier',
  }),
  /** Connections in the PostgreSQL pool of one server process; ignored for SQLite (one connection). */
  DATABASE_POOL_SIZE: int(10, 1, 1000),
  /** How long a task claimed by a server process stays its own without a renewal, in ms: past it another process may take the task over. */
  TASK_LEASE_MS: int(30_000, 500, 3_600_000),
  /** How often a process renews the leases of the tasks it runs and re-queues tasks whose lease ran out, in ms (less than TASK_LEASE_MS). */
  TASK_LEASE_RENEW_MS: int(5_000, 100, 600_000),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    error: 'REDIS_URL must be a redis:// or rediss:// URL (leave it unset for one instance without Redis)',
  }),
  /** Put before every Redis key and channel of this studio, so several studios or test runs can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{0,64}$/, { error: 'REDIS_PREFIX may hold letters, digits and : _ . - (at most 64)' }).default('reelcraft:'),
  /** How often render workers send a heartbeat, in ms; one not heard from for three intervals is listed as lost. */
  WORKER_HEARTBEAT_MS: int(5_000, 100, 600_000),
  MODELS_DIR: z.string().default('./models'),
  STUDIO_DIR: optionalString,
  REELCRAFT_ADMIN_USERNAME: z.string().default('admin'),
  REELCRAFT_ADMIN_PASSWORD: optionalString,
  SESSION_TTL_HOURS: int(168, 1),
  LOGIN_MAX_FAILURES: int(5, 1),
  LOGIN_LOCK_SECONDS: int(900, 1),
  /** Failed sign-ins from one address, over all usernames, before that address is locked. */
  LOGIN_ADDRESS_MAX_FAILURES: int(30, 1),
  /** Failed sign-ins for one username, from anywhere, after which each attempt for it is slowed. */
  LOGIN_USER_SLOW_AFTER: int(20, 1),
  /**
   * Render worker processes of this server. With REDIS_URL: how many scene jobs this instance's
   * own workers take from the shared scene queue; 0 leaves the drawing to `reelcraft-worker`s.
   */
  RENDER_CONCURRENCY: int(1, 0, 16),
  /**
   * Scaled mode: how long a scene job stays with its render worker without the worker renewing
   * its lock, in ms. A worker host that dies has its scenes retried elsewhere after about this long.
   */
  SCENE_JOB_LOCK_MS: int(15_000, 1_000, 600_000),
  /**
   * Tasks running at once (planning, matching takes, waiting for their scenes, assembling); their
   * scenes share the RENDER_CONCURRENCY render workers. Unset: twice RENDER_CONCURRENCY, at least 4.
   */
  RENDER_ACTIVE_TASKS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(64).optional()),
  /** Tasks one user may have rendering at once (admins can set it per user); unset: RENDER_CONCURRENCY. */
  RENDER_USER_CONCURRENCY: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(16).optional()),
  /** Tasks one user may have waiting or rendering (admins can set it per user). */
  USER_MAX_QUEUED_TASKS: int(100, 1, 100_000),
  RENDER_WIDTH: int(640, 64, 3840).refine((v) => v % 2 === 0, { error: 'RENDER_WIDTH must be even' }),
  RENDER_HEIGHT: int(360, 64, 2160).refine((v) => v % 2 === 0, { error: 'RENDER_HEIGHT must be even' }),
  RENDER_FPS: int(24, 1, 60),
  /** CPU threads for model inference in a render worker; unset: the libraries choose. */
  RENDER_THREADS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(256).optional()),
  /** Where a render worker runs the diffusion models: an ONNX Runtime execution provider (see ONNX_DEVICES). */
  RENDER_DEVICE: z.enum(ONNX_DEVICES).default('cpu'),
  /** Resident memory a render worker may use, in MiB, before the server kills it and fails its task; 0: no limit. */
  RENDER_MEMORY_LIMIT_MB: int(0, 0, 1024 * 1024).refine((v) => v === 0 || v >= 16, { error: 'RENDER_MEMORY_LIMIT_MB must be 0 (no limit) or at least 16' }),
  MUSIC_FILE: optionalString,
  /** Encoded video segments and audio tracks kept for later assemblies, in MiB; least recently used go first beyond it. */
  SEGMENT_CACHE_MB: int(2048, 0, 1024 * 1024),
  /** Largest picture or clip a scene upload may be, in MiB. */
  UPLOAD_MAX_MB: int(100, 1, 4096),
  /** The planner process (and the GGUF loaded in it) goes after this many seconds without a plan request; 0: never. */
  PLANNER_IDLE_SECONDS: int(600, 0),
  /** Time limit of one plan by the LLM, in seconds; past it the rule-based planner finishes the storyboard. */
  PLANNER_TIMEOUT_SECONDS: int(120, 1, 3600),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
  /** Origins besides the studio's own that may send cookie-authenticated changes and socket handshakes. */
  ALLOWED_ORIGINS: optionalString.transform((v, ctx) => {
    const list = (v ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    const out: string[] = [];
    for (const o of list) {
      const origin = originOf(o);
      if (!origin) ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin such as https://studio.example:8443` });
      else out.push(origin);
    }
    return out;
  }),
  /**
   * Which reverse proxies to believe about the client's address and scheme (X-Forwarded-For,
   * X-Forwarded-Proto): a hop count ("1"), or addresses and subnets ("127.0.0.1, 10.0.0.0/8"),
   * or "loopback". Unset: none, the peer address is the client.
   */
  TRUST_PROXY: optionalString.transform((v, ctx): number | string[] | undefined => {
    if (v === undefined || v === 'false' || v === '0') return undefined;
    if (/^\d+$/.test(v)) return Number(v);
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const item of list) {
      if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(item)) {
        ctx.addIssue({ code: 'custom', message: `TRUST_PROXY: "${item}" is neither a hop count, an address, a subnet nor loopback/linklocal/uniquelocal` });
      }
    }
    return list;
  }),
});

/** The normalised origin (scheme://host[:port]) of a URL, or null when it has none. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  database:
    | { type: 'sqlite'; path: string }
    | { type: 'postgres'; url: string; schema?: string; poolSize: number };
  /** Scaled mode (REDIS_URL set): Socket.IO, session changes and the login throttle shared through Redis. */
  redis?: { url: string; prefix: string };
  /** Render worker processes: how often they send heartbeats (WORKER_HEARTBEAT_MS). */
  workers: { heartbeatMs: number };
  modelsDir: string;
  studioDir: string;
  admin: { username: string; password?: string };
  auth: {
    sessionTtlHours: number;
    /** Per (username, address) pair. */
    loginMaxFailures: number;
    loginAddressMaxFailures: number;
    loginUserSlowAfter: number;
    loginLockSeconds: number;
  };
  /** Origins besides the request's own host that cookie-authenticated changes may come from. */
  allowedOrigins: string[];
  /** Express's 'trust proxy': a hop count or the proxies' addresses; undefined trusts none. */
  trustProxy?: number | string[];
  render: {
    /** Render workers (scenes drawn at once). */
    concurrency: number;
    /** Tasks running at once, their scenes queued for the workers. */
    activeTasks: number;
    /** Default per-user limits; a user's own (set by an admin) wins. */
    userConcurrency: number;
    userMaxQueued: number;
    width: number;
    height: number;
    fps: number;
    threads?: number;
    device: OnnxDevice;
    /** Resident-memory limit of one render worker in MiB; 0: none. */
    memoryLimitMb: number;
    musicFile?: string;
    /** Bound of the segment cache under DATA_DIR/segments (SEGMENT_CACHE_MB), in bytes. */
    segmentCacheBytes: number;
    /** Scaled mode: a scene job's lock on its render worker (SCENE_JOB_LOCK_MS). */
    sceneJobLockMs: number;
    /** A claimed task's lease (TASK_LEASE_MS) and how often its owner renews it (TASK_LEASE_RENEW_MS). */
    taskLeaseMs: number;
    taskLeaseRenewMs: number;
  };
  planner: { idleMs: number; timeoutMs: number };
  /** Largest scene upload, in bytes. */
  uploadMaxBytes: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

export class ConfigError extends Error {}

/** Reads and validates the environment once; nothing else in the server reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // A renewal must land before the lease runs out, or a live process loses its tasks to another.
  if (e.TASK_LEASE_RENEW_MS >= e.TASK_LEASE_MS) {
    throw new ConfigError(`Invalid configuration:\n  TASK_LEASE_RENEW_MS: must be less than TASK_LEASE_MS (${e.TASK_LEASE_RENEW_MS} >= ${e.TASK_LEASE_MS})`);
  }
  // Without Redis no other process could take a scene: nothing would ever be drawn.
  if (e.RENDER_CONCURRENCY === 0 && !e.REDIS_URL) {
    throw new ConfigError('Invalid configuration:\n  RENDER_CONCURRENCY: 0 needs REDIS_URL (render workers of their own, `reelcraft-worker`, take the scenes then)');
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));
  const dataDir = abs(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL
      ? { type: 'postgres', url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE }
      : { type: 'sqlite', path: resolve(dataDir, 'reelcraft.sqlite') },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    workers: { heartbeatMs: e.WORKER_HEARTBEAT_MS },
    modelsDir: abs(e.MODELS_DIR),
    // The built studio sits beside the server in the monorepo: apps/server/dist → apps/studio/build.
    studioDir: e.STUDIO_DIR ? abs(e.STUDIO_DIR) : resolve(__dirname, '../../../studio/build'),
    admin: { username: e.REELCRAFT_ADMIN_USERNAME, password: e.REELCRAFT_ADMIN_PASSWORD },
    auth: {
      sessionTtlHours: e.SESSION_TTL_HOURS,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginAddressMaxFailures: e.LOGIN_ADDRESS_MAX_FAILURES,
      loginUserSlowAfter: e.LOGIN_USER_SLOW_AFTER,
      loginLockSeconds: e.LOGIN_LOCK_SECONDS,
    },
    allowedOrigins: e.ALLOWED_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    render: {
      concurrency: e.RENDER_CONCURRENCY,
      activeTasks: e.RENDER_ACTIVE_TASKS ?? Math.max(4, 2 * e.RENDER_CONCURRENCY),
      userConcurrency: e.RENDER_USER_CONCURRENCY ?? Math.max(1, e.RENDER_CONCURRENCY),
      sceneJobLockMs: e.SCENE_JOB_LOCK_MS,
      userMaxQueued: e.USER_MAX_QUEUED_TASKS,
      width: e.RENDER_WIDTH,
      height: e.RENDER_HEIGHT,
      fps: e.RENDER_FPS,
      threads: e.RENDER_THREADS,
      device: e.RENDER_DEVICE,
      memoryLimitMb: e.RENDER_MEMORY_LIMIT_MB,
      musicFile: e.MUSIC_FILE ? abs(e.MUSIC_FILE) : undefined,
      segmentCacheBytes: e.SEGMENT_CACHE_MB * 1024 * 1024,
      taskLeaseMs: e.TASK_LEASE_MS,
      taskLeaseRenewMs: e.TASK_LEASE_RENEW_MS,
    },
    planner: { idleMs: e.PLANNER_IDLE_SECONDS * 1000, timeoutMs: e.PLANNER_TIMEOUT_SECONDS * 1000 },
    uploadMaxBytes: e.UPLOAD_MAX_MB * 1024 * 1024,
    logLevel: e.LOG_LEVEL,
  };
}

/** Injection token for the validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
