import { z } from 'zod';
import type { PlannerRecord, SceneEditPlannerRecord } from './planner';
import type { StoryboardScene } from './storyboard-doc';
import { PROJECT_ROLES, type ProjectRole } from './collab';
import { LIMITS } from './limits';
import { PageQuerySchema } from './tasks';

/** REST contracts of /api/projects. */

const projectName = z
  .string({ error: 'name must be a string' })
  .trim()
  .min(LIMITS.projectName.min, { error: 'name must not be empty' })
  .max(LIMITS.projectName.max, { error: `name must be at most ${LIMITS.projectName.max} characters` });

const role = z.enum(PROJECT_ROLES, { error: `role must be one of ${PROJECT_ROLES.join(', ')}` });

export const CreateProjectBodySchema = z
  .strictObject({
    /** Left out with a prompt: the prompt's first clause (projectNameFromPrompt). */
    name: projectName.optional(),
    /** When given, the planner writes the first storyboard from it; otherwise the storyboard starts empty. */
    prompt: z
      .string({ error: 'prompt must be a string' })
      .trim()
      .min(LIMITS.prompt.min, { error: 'prompt must not be empty' })
      .max(LIMITS.prompt.max, { error: `prompt must be at most ${LIMITS.prompt.max} characters` })
      .optional(),
  })
  .refine((b) => b.name !== undefined || b.prompt !== undefined, { error: 'give a name, or a prompt to take the name from', path: ['name'] });
export type CreateProjectBody = z.infer<typeof CreateProjectBodySchema>;

/** GET /api/projects/{id}/member-suggestions?q=: usernames to add, for the share dialog (owners only). */
export const MemberSuggestionsQuerySchema = z.object({
  q: z
    .string({ error: 'q must be a string' })
    .trim()
    .min(1, { error: 'q must not be empty: suggestions need a few typed letters' })
    .max(LIMITS.username.max, { error: `q must be at most ${LIMITS.username.max} characters` }),
});
export type MemberSuggestionsQuery = z.infer<typeof MemberSuggestionsQuerySchema>;
/** At most this many usernames per answer: enough to pick from, never the user list. */
export const MEMBER_SUGGESTIONS_MAX = 10;

export const RenameProjectBodySchema = z.strictObject({ name: projectName });
export type RenameProjectBody = z.infer<typeof RenameProjectBodySchema>;

export const AddMemberBodySchema = z.strictObject({
  username: z.string({ error: 'username must be a string' }).min(1, { error: 'username is required' }).max(LIMITS.username.max, {
    error: `username must be at most ${LIMITS.username.max} characters`,
  }),
  role,
});
export type AddMemberBody = z.infer<typeof AddMemberBodySchema>;

export const UpdateMemberBodySchema = z.strictObject({ role });
export type UpdateMemberBody = z.infer<typeof UpdateMemberBodySchema>;

export const PROJECT_LIST_SCOPES = ['member', 'all'] as const;
/** `scope=all` (admins only) lists every project instead of mine and shared-with-me. */
export const ProjectListQuerySchema = PageQuerySchema.extend({
  scope: z.enum(PROJECT_LIST_SCOPES, { error: `scope must be one of ${PROJECT_LIST_SCOPES.join(', ')}` }).default('member'),
});
export type ProjectListQuery = z.infer<typeof ProjectListQuerySchema>;

export interface ProjectMemberView {
  user_id: string;
  username: string;
  role: ProjectRole;
  added_at: string;
}

export interface ProjectSummary {
  id: string;
  name: string;
  owner_id: string;
  /** The owner's username. */
  owner: string;
  /** The caller's role here; an admin who is no member counts as owner. */
  role: ProjectRole;
  /** The seed-API task this project was made for, if any. */
  task_id: string | null;
  /** Which planner wrote the storyboard from the prompt; null when none did (yet). */
  planner: PlannerRecord | null;
  created_at: string;
  updated_at: string;
}

export interface ProjectView extends ProjectSummary {
  members: ProjectMemberView[];
}

/** `POST /api/projects/{id}/scenes/{sceneId}/rewrite`: what the LLM should change in the scene. */
export const RewriteSceneBodySchema = z.strictObject({
  instruction: z
    .string({ error: 'instruction must be a string' })
    .trim()
    .min(LIMITS.sceneInstruction.min, { error: 'instruction must not be empty' })
    .max(LIMITS.sceneInstruction.max, { error: `instruction must be at most ${LIMITS.sceneInstruction.max} characters` }),
});
export type RewriteSceneBody = z.infer<typeof RewriteSceneBodySchema>;

export const SCENE_EDITS = ['rewrite', 'split', 'merge'] as const;
export type SceneEditKind = (typeof SCENE_EDITS)[number];

/**
 * The answer of a scene edit (rewrite, split, merge-next), after it was applied to the live
 * storyboard: the scene(s) as they are now (rewrite and merge: the one scene, which keeps its id;
 * split: the scene and the new one after it) and which planner wrote them.
 */
export interface SceneEditResult {
  edit: SceneEditKind;
  scenes: StoryboardScene[];
  /** The id of the scene that is gone (merge: the next scene, folded into the first); else null. */
  removed_scene_id: string | null;
  planner: SceneEditPlannerRecord;
}
