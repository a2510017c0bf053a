import { isAbsolute } from 'node:path';
import { LIMITS, PlannedSceneSchema, StoryboardPlanSchema } from '@reelcraft/shared';
import { z } from 'zod';

/**
 * The messages between a parent (the server) and the planner process: a long-lived child that
 * loads one GGUF once and answers plan requests, streaming each scene as the model closes it.
 *
 *   parent → child: `init` once (which model, how), then `plan` requests and `cancel`s by id.
 *   child → parent: `ready` (or `load-failed`, then it exits 1), then per request any number of
 *                   `scene`s and one `done` or `failed`; `protocol-error` for a message it could
 *                   not read. The child exits 0 when the parent disconnects (idle or shutdown).
 *
 * Both sides validate what they receive with these schemas: a bad message is reported, never
 * acted on.
 */

const requestId = z.string().min(1).max(100);
const absolutePath = z.string().refine((p) => isAbsolute(p), { error: 'must be an absolute path' });
const limit = z.number().int().min(1);

export const PlannerInitSchema = z.strictObject({
  type: z.literal('init'),
  /** A GGUF the model registry accepted: loading an unchecked one can abort the process. */
  modelPath: absolutePath,
  gpu: z.union([z.literal(false), z.literal('auto')]).optional(),
  threads: z.number().int().min(1).max(256).optional(),
  contextSize: z.number().int().min(256).max(1_048_576).optional(),
  temperature: z.number().min(0).max(2).optional(),
  templatesDir: absolutePath.optional(),
  limits: z.strictObject({ description: limit, subtitle: limit, title: limit }).partial().optional(),
});
export type PlannerInit = z.infer<typeof PlannerInitSchema>;

export const PlanRequestSchema = z.strictObject({
  type: z.literal('plan'),
  id: requestId,
  prompt: z.string().refine((p) => p.trim().length >= LIMITS.prompt.min && p.length <= LIMITS.prompt.max, {
    error: `prompt must be a non-empty string of at most ${LIMITS.prompt.max} characters`,
  }),
  /** Time limit of this request, ms, counted from when the child starts it. */
  timeoutMs: z.number().int().min(1).max(3_600_000),
  seed: z.number().int().optional(),
  examples: z.array(StoryboardPlanSchema).max(3).optional(),
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

export const CancelPlanSchema = z.strictObject({ type: z.literal('cancel'), id: requestId });

export const ParentToPlannerSchema = z.discriminatedUnion('type', [PlannerInitSchema, PlanRequestSchema, CancelPlanSchema]);
export type ParentToPlanner = z.infer<typeof ParentToPlannerSchema>;

export const PLAN_FAILURES = ['cancelled', 'timeout', 'error', 'invalid'] as const;
export type PlanFailure = (typeof PLAN_FAILURES)[number];

export const PlannerReadySchema = z.strictObject({
  type: z.literal('ready'),
  /** File name of the GGUF now loaded. */
  model: z.string(),
  loadMs: z.number().min(0),
  /** Models this process has loaded in its life: 1, however many plans it serves. */
  loads: z.number().int().min(0),
  threads: z.number().int().min(1),
  contextSize: z.number().int().min(1),
});
export type PlannerReady = z.infer<typeof PlannerReadySchema>;

export const PlannerToParentSchema = z.discriminatedUnion('type', [
  PlannerReadySchema,
  z.strictObject({ type: z.literal('load-failed'), message: z.string() }),
  z.strictObject({ type: z.literal('scene'), id: requestId, scene: PlannedSceneSchema }),
  z.strictObject({
    type: z.literal('done'),
    id: requestId,
    plan: StoryboardPlanSchema,
    /** Time the request took in the child, ms. */
    ms: z.number().min(0),
    /** Tokens the model generated for it. */
    tokens: z.number().int().min(0),
    loads: z.number().int().min(0),
  }),
  z.strictObject({ type: z.literal('failed'), id: requestId, reason: z.enum(PLAN_FAILURES), message: z.string() }),
  z.strictObject({ type: z.literal('protocol-error'), message: z.string() }),
]);
export type PlannerToParent = z.infer<typeof PlannerToParentSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, error: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid message' };
}

export const parseParentToPlanner = (value: unknown): Parsed<ParentToPlanner> => parseWith(ParentToPlannerSchema, value);
export const parsePlannerToParent = (value: unknown): Parsed<PlannerToParent> => parseWith(PlannerToParentSchema, value);
