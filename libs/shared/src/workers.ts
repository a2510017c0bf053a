/**
 * Render workers as processes of their own (`reelcraft-worker`, on the GPU hosts): the token an
 * admin issues them, the heartbeat they send, and what the admin console shows of both. The
 * server validates with these schemas, the worker sends what they describe, the studio shows it.
 */
import { z } from 'zod';

/** Every worker token starts with it, so a leaked one is recognisable (and a session token is never taken for one). */
export const WORKER_TOKEN_PREFIX = 'rcw_';
/** `rcw_` + 32 random bytes in base64url (43 characters, no padding). */
export const WORKER_TOKEN_PATTERN = /^rcw_[A-Za-z0-9_-]{43}$/;

export const WORKER_PRECISIONS = ['fp32', 'fp16', 'int8'] as const;
export type WorkerPrecision = (typeof WORKER_PRECISIONS)[number];

export const WORKER_LIMITS = {
  tokenName: { min: 1, max: 64 },
  workerId: { max: 100 },
  host: { max: 255 },
  device: { max: 32 },
  slots: { min: 1, max: 64 },
  models: { max: 50 },
  model: { max: 200 },
  version: { max: 32 },
  jobId: { max: 100 },
  taskId: { max: 64 },
} as const;

const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} must be at most ${max} characters` });

/** The scene a worker is drawing now. */
export const WorkerJobSchema = z.object({
  job_id: text('job.job_id', WORKER_LIMITS.jobId.max),
  task_id: text('job.task_id', WORKER_LIMITS.taskId.max),
  scene_number: z.number({ error: 'job.scene_number must be a number' }).int().min(1).max(10_000),
  started_at: z.iso.datetime({ offset: true, error: 'job.started_at must be an ISO date-time' }),
});
export type WorkerJob = z.infer<typeof WorkerJobSchema>;

/**
 * What a worker says about itself every WORKER_HEARTBEAT_MS. A plain object, not a strict one:
 * a newer worker may send fields this server does not know yet, and they are dropped rather than
 * refused, so workers and servers can be upgraded one at a time.
 */
export const WorkerHeartbeatSchema = z.object({
  /** Stable for the life of one process (host:pid:random): a restarted worker is a new entry. */
  worker_id: text('worker_id', WORKER_LIMITS.workerId.max),
  host: text('host', WORKER_LIMITS.host.max),
  pid: z.number({ error: 'pid must be a number' }).int().min(1).max(2 ** 31 - 1),
  /** The device it is pinned to: "cpu", "cuda:0", "webgpu"… */
  device: text('device', WORKER_LIMITS.device.max),
  /** Scenes it draws at once. */
  slots: z.number({ error: 'slots must be a number' }).int().min(WORKER_LIMITS.slots.min).max(WORKER_LIMITS.slots.max),
  /** The diffusion and LLM model folders it can load from its own models/. */
  models: z.array(text('models[]', WORKER_LIMITS.model.max), { error: 'models must be a list of strings' }).max(WORKER_LIMITS.models.max, { error: `models may list at most ${WORKER_LIMITS.models.max} entries` }),
  /** The ONNX variant it runs (fp16 on a GPU). */
  precision: z.enum(WORKER_PRECISIONS, { error: `precision must be one of ${WORKER_PRECISIONS.join(', ')}` }).optional(),
  job: WorkerJobSchema.nullable(),
  version: text('version', WORKER_LIMITS.version.max).optional(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeatSchema>;

/** The heartbeat's answer: how often the server wants the next one. */
export interface WorkerHeartbeatResponse {
  heartbeat_ms: number;
}

/** A worker as the admin console lists it. */
export interface WorkerView extends WorkerHeartbeat {
  /** The name of the token it authenticated with ("local" for the server's own workers). */
  token_name: string;
  /** ISO times: its first heartbeat the server kept, and its latest. */
  first_seen: string;
  last_heartbeat: string;
  /** Its latest heartbeat came within three heartbeat intervals. */
  alive: boolean;
}

export const CreateWorkerTokenBodySchema = z.strictObject({
  name: z
    .string({ error: 'name must be a string' })
    .trim()
    .min(WORKER_LIMITS.tokenName.min, { error: 'name is required' })
    .max(WORKER_LIMITS.tokenName.max, { error: `name must be at most ${WORKER_LIMITS.tokenName.max} characters` })
    // Control characters would break the console's table and the audit log's one-line entries.
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, { error: 'name must not hold control characters' }),
});
export type CreateWorkerTokenBody = z.infer<typeof CreateWorkerTokenBodySchema>;

/** A worker token as listed: never its plaintext, which exists only in the answer that issued it. */
export interface WorkerTokenView {
  id: string;
  name: string;
  /** ISO times. */
  created_at: string;
  /** null when the admin who issued it is gone. */
  created_by_username: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to issuing a token: the only time its plaintext is shown. */
export interface IssuedWorkerToken extends WorkerTokenView {
  token: string;
}
