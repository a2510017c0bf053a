import { isAbsolute } from 'node:path';
import { CameraSchema, LANGUAGES, LIMITS, PlannedSceneSchema, StoryboardPlanSchema } from '@reelcraft/shared';
import { z } from 'zod';

/**
 * The messages between a parent (the server) and the planner process: a long-lived child that
 * loads one GGUF once and answers plan requests, streaming each scene as the model closes it.
 *
 *   parent → child: `init` once (which model, how), then requests (`plan`, and the editor's scene
 *                   edits `rewrite`, `split`, `merge`) and `cancel`s by id.
 *   child → parent: `ready` (or `load-failed`, then it exits 1), then per `plan` any number of
 *                   `scene`s and one `done` or `failed`; per scene edit one `edited` or `failed`;
 *                   `protocol-error` for a message it could not read. The child exits 0 when the
 *                   parent disconnects (idle or shutdown).
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
  /** A sentence-embedding model the registry accepted, to pick a plan's examples by meaning. */
  embeddings: z.strictObject({ dir: absolutePath, file: z.string().min(1).max(200) }).optional(),
});
export type PlannerInit = z.infer<typeof PlannerInitSchema>;

/** Most past storyboards one plan request offers the process to choose its examples from. */
export const EXAMPLE_CANDIDATES_MAX = 20;

export const PlanRequestSchema = z.strictObject({
  type: z.literal('plan'),
  id: requestId,
  prompt: z.string().refine((p) => p.trim().length >= LIMITS.prompt.min && p.length <= LIMITS.prompt.max, {
    error: `prompt must be a non-empty string of at most ${LIMITS.prompt.max} characters`,
  }),
  /** Time limit of this request, ms, counted from when the child starts it. */
  timeoutMs: z.number().int().min(1).max(3_600_000),
  seed: z.number().int().optional(),
  /** The examples to show the model, as the parent chose them (by word overlap). */
  examples: z.array(StoryboardPlanSchema).max(3).optional(),
  /**
   * Past storyboards with their prompts: a process with an embedding model picks the examples
   * from these by meaning instead (the parent's `examples` stay the answer without one).
   */
  exampleCandidates: z
    .array(z.strictObject({ prompt: z.string().min(1).max(LIMITS.prompt.max), plan: StoryboardPlanSchema }))
    .max(EXAMPLE_CANDIDATES_MAX)
    .optional(),
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

/** How the examples of a plan were chosen, and why not by meaning when it could have been. */
export const ExamplesChoiceSchema = z.strictObject({
  by: z.enum(['embeddings', 'parent']),
  count: z.number().int().min(0).max(3),
  /** The embedding model could not be used (it failed to load or to run). */
  problem: z.string().max(1000).optional(),
});
export type ExamplesChoice = z.infer<typeof ExamplesChoiceSchema>;

/** Most scenes a scene edit shows the model: the scene(s) it changes and a neighbour on each side. */
export const SCENE_WINDOW_MAX = 5;

/**
 * A scene as a scene edit shows it to the model: a planned scene whose description may be empty
 * (an edited storyboard may hold a scene nobody has described yet).
 */
export const WindowSceneSchema = z.strictObject({
  scene_number: z.number().int().min(1).max(LIMITS.storyboard.scenes.max),
  description: z.string().max(LIMITS.description.max),
  subtitle: z.string().max(LIMITS.subtitle.max),
  camera: CameraSchema,
  duration_sec: z.number().int().min(LIMITS.sceneDurationSec.min).max(LIMITS.sceneDurationSec.max),
});
export type WindowScene = z.infer<typeof WindowSceneSchema>;

/**
 * The part of a storyboard a scene edit works on: the scene (two for a merge) and its neighbours
 * for context, numbered by their place in the whole storyboard (consecutive). A storyboard may
 * hold 1 to LIMITS.storyboard.scenes.max scenes; the window keeps the prompt small whatever its size.
 */
export const SceneWindowSchema = z
  .strictObject({
    language: z.enum(LANGUAGES),
    title: z.string().min(1).max(LIMITS.storyboard.title.max),
    scenes: z.array(WindowSceneSchema).min(1).max(SCENE_WINDOW_MAX),
  })
  .refine((w) => w.scenes.every((s, i) => i === 0 || s.scene_number === w.scenes[i - 1]!.scene_number + 1), {
    error: 'scenes must be numbered consecutively',
    path: ['scenes'],
  });
export type SceneWindow = z.infer<typeof SceneWindowSchema>;

const editFields = {
  id: requestId,
  context: SceneWindowSchema,
  /** The scene to change, by its scene_number in `context`; a merge folds in the one after it. */
  sceneNumber: z.number().int().min(1).max(LIMITS.storyboard.scenes.max),
  /** Time limit of this request, ms, counted from when the child starts it. */
  timeoutMs: z.number().int().min(1).max(3_600_000),
  seed: z.number().int().optional(),
};

const inWindow = (r: { context: SceneWindow; sceneNumber: number }, n: number) => r.context.scenes.some((s) => s.scene_number === n);
const hasDescription = (r: { context: SceneWindow; sceneNumber: number }) =>
  r.context.scenes.some((s) => s.scene_number === r.sceneNumber && s.description.trim() !== '');

export const RewriteRequestSchema = z
  .strictObject({
    type: z.literal('rewrite'),
    ...editFields,
    instruction: z.string().refine((t) => t.trim().length >= LIMITS.sceneInstruction.min && t.length <= LIMITS.sceneInstruction.max, {
      error: `instruction must be a non-empty string of at most ${LIMITS.sceneInstruction.max} characters`,
    }),
  })
  .refine((r) => inWindow(r, r.sceneNumber), { error: 'sceneNumber must name a scene of context', path: ['sceneNumber'] });
export type RewriteRequest = z.infer<typeof RewriteRequestSchema>;

export const SplitRequestSchema = z
  .strictObject({ type: z.literal('split'), ...editFields })
  .refine((r) => inWindow(r, r.sceneNumber), { error: 'sceneNumber must name a scene of context', path: ['sceneNumber'] })
  .refine(hasDescription, { error: 'the scene to split has no description', path: ['context'] });
export type SplitRequest = z.infer<typeof SplitRequestSchema>;

export const MergeRequestSchema = z
  .strictObject({ type: z.literal('merge'), ...editFields })
  .refine((r) => inWindow(r, r.sceneNumber) && inWindow(r, r.sceneNumber + 1), {
    error: 'sceneNumber and the scene after it must both be in context',
    path: ['sceneNumber'],
  });
export type MergeRequest = z.infer<typeof MergeRequestSchema>;

export type SceneEditRequest = RewriteRequest | SplitRequest | MergeRequest;
/** A scene edit as callers ask it (the request without its id, time limit and seed). */
export type SceneEdit =
  | { type: 'rewrite'; context: SceneWindow; sceneNumber: number; instruction: string }
  | { type: 'split'; context: SceneWindow; sceneNumber: number }
  | { type: 'merge'; context: SceneWindow; sceneNumber: number };

/** How many scenes each edit answers with. */
export const EDIT_RESULT_SCENES: Record<SceneEdit['type'], number> = { rewrite: 1, split: 2, merge: 1 };

export const CancelPlanSchema = z.strictObject({ type: z.literal('cancel'), id: requestId });

export const ParentToPlannerSchema = z.discriminatedUnion('type', [
  PlannerInitSchema,
  PlanRequestSchema,
  RewriteRequestSchema,
  SplitRequestSchema,
  MergeRequestSchema,
  CancelPlanSchema,
]);
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
    examples: ExamplesChoiceSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('edited'),
    id: requestId,
    /** rewrite and merge: the one new scene; split: the two that replace the scene. */
    scenes: z.array(PlannedSceneSchema).min(1).max(2),
    ms: z.number().min(0),
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
