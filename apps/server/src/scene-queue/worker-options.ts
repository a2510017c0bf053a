import { isAbsolute, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { ONNX_DEVICES, type OnnxDevice } from '@reelcraft/inference';
import { WORKER_TOKEN_PATTERN } from '@reelcraft/shared';
import { z } from 'zod';

/** How `reelcraft-worker` runs: its flags and environment, checked once at start. */
export interface WorkerOptions {
  redis: { url: string; prefix: string };
  /** Where the servers are (the proxy's address): heartbeats, chain frames and uploads go there. */
  serverUrl: string;
  token: string;
  /** As the heartbeat shows it: "cpu", "cuda:0", "webgpu"… */
  deviceLabel: string;
  device: OnnxDevice;
  /** The GPU index a `cuda:N` worker is pinned to (CUDA_VISIBLE_DEVICES of its render processes). */
  gpuIndex?: number;
  slots: number;
  modelsDir: string;
  /** Set when this host mounts the servers' DATA_DIR: scene files are written there instead of uploaded. */
  dataDir?: string;
  workDir: string;
  threads?: number;
  memoryLimitMb: number;
  lockMs: number;
}

export const WORKER_USAGE = `usage: reelcraft-worker [--device cpu|cuda:N|webgpu|dml|coreml] [--slots N] [--models DIR] [--data-dir DIR]

Takes scene jobs from the studio's scene queue in Redis and draws them on this host.
Environment:
  REDIS_URL               the servers' Redis (required)
  REELCRAFT_SERVER_URL    the studio's address, e.g. http://studio.intranet:8000 (required)
  REELCRAFT_WORKER_TOKEN  a worker token an admin issued (Admin → Workers) (required)
  REDIS_PREFIX            as the servers' (default reelcraft:)
  MODELS_DIR              this host's models folder (default ./models; --models overrides)
  RENDER_THREADS, RENDER_MEMORY_LIMIT_MB, SCENE_JOB_LOCK_MS   as on the servers
  WORKER_WORK_DIR         where scenes are drawn before upload (default the system's temp folder)`;

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const EnvSchema = z.object({
  REDIS_URL: z.string({ error: 'REDIS_URL is required: the Redis the servers use' }).regex(/^rediss?:\/\//, { error: 'REDIS_URL must be a redis:// or rediss:// URL' }),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{0,64}$/, { error: 'REDIS_PREFIX may hold letters, digits and : _ . - (at most 64)' }).default('reelcraft:'),
  REELCRAFT_SERVER_URL: z.url({ protocol: /^https?$/, error: 'REELCRAFT_SERVER_URL is required: the studio address, http(s)://host:port' }),
  REELCRAFT_WORKER_TOKEN: z.string({ error: 'REELCRAFT_WORKER_TOKEN is required: issue one in the admin console (Workers)' }).regex(WORKER_TOKEN_PATTERN, { error: 'REELCRAFT_WORKER_TOKEN is not a worker token (rcw_…)' }),
  MODELS_DIR: z.string().default('./models'),
  RENDER_THREADS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(256).optional()),
  RENDER_MEMORY_LIMIT_MB: int(0, 0, 1_048_576),
  SCENE_JOB_LOCK_MS: int(15_000, 1_000, 600_000),
  WORKER_WORK_DIR: z.string().optional(),
});

export class WorkerOptionsError extends Error {}

/** Reads the flags and environment; throws WorkerOptionsError with every problem named. */
export function workerOptions(argv: string[], env: NodeJS.ProcessEnv): WorkerOptions {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: { device: { type: 'string', default: 'cpu' }, slots: { type: 'string', default: '1' }, models: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (err) {
    throw new WorkerOptionsError(`${(err as Error).message}\n\n${WORKER_USAGE}`);
  }
  if (flags.help) throw new WorkerOptionsError(WORKER_USAGE);
  const problems: string[] = [];
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const device = /^(cpu|webgpu|cuda|dml|coreml)(?::(\d{1,2}))?$/.exec(flags.device ?? 'cpu');
  if (!device || (device[2] !== undefined && device[1] !== 'cuda')) problems.push(`--device must be one of ${ONNX_DEVICES.join(', ')}, or cuda:N for one GPU of several`);
  const slots = Number(flags.slots);
  if (!Number.isInteger(slots) || slots < 1 || slots > 16) problems.push('--slots must be an integer from 1 to 16');
  if (problems.length || !parsed.success || !device) throw new WorkerOptionsError(`Invalid worker configuration:\n  ${problems.join('\n  ')}\n\n${WORKER_USAGE}`);
  const e = parsed.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));
  return {
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    serverUrl: e.REELCRAFT_SERVER_URL.replace(/\/+$/, ''),
    token: e.REELCRAFT_WORKER_TOKEN,
    deviceLabel: device[0],
    device: device[1] as OnnxDevice,
    ...(device[2] !== undefined ? { gpuIndex: Number(device[2]) } : {}),
    slots,
    modelsDir: abs(flags.models ?? e.MODELS_DIR),
    ...(flags['data-dir'] ? { dataDir: abs(flags['data-dir']) } : {}),
    workDir: abs(e.WORKER_WORK_DIR ?? resolve(tmpdir(), 'reelcraft-worker')),
    ...(e.RENDER_THREADS ? { threads: e.RENDER_THREADS } : {}),
    memoryLimitMb: e.RENDER_MEMORY_LIMIT_MB,
    lockMs: e.SCENE_JOB_LOCK_MS,
  };
}
