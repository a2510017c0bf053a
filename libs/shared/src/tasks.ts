import { z } from 'zod';
import { SIZE_PRESET_NAMES, type SizePreset } from './aspect';
import { LIMITS } from './limits';
import type { PlannerRecord } from './planner';
import type { TaskFailureCode } from './task-failures';
import { ASPECTS } from './storyboard-doc';
import type { VersionRef } from './versions';
import type { PlannedScene } from './storyboard';

/** `held`: the content filter's `review` rule matched its prompt; it waits for an admin to approve or reject it. */
export const TASK_STATUSES = ['pending', 'held', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** A task in one of these states will not change again by itself. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

const promptField = z
  .string({ error: 'prompt must be a string' })
  .trim()
  .min(LIMITS.prompt.min, { error: `prompt must not be empty` })
  .max(LIMITS.prompt.max, { error: `prompt must be at most ${LIMITS.prompt.max} characters` });

const aspectField = z.enum(ASPECTS, { error: `aspect must be one of ${ASPECTS.join(', ')}` });
const sizeField = z.enum(SIZE_PRESET_NAMES as [SizePreset, ...SizePreset[]], { error: `size must be one of ${SIZE_PRESET_NAMES.join(', ')} (the short side of the frame)` });

/**
 * The shape of a seed-API task's video: an aspect preset, and a size preset for its short side.
 * Either may be left out: the server's configured render size then decides (its short side is kept
 * when only the aspect is given).
 */
const frameFields = { aspect: aspectField.optional(), size: sizeField.optional() };

export const CreateTaskBodySchema = z.strictObject({ prompt: promptField, ...frameFields });
export type CreateTaskBody = z.infer<typeof CreateTaskBodySchema>;

export const BatchCreateTasksBodySchema = z.strictObject({
  prompts: z
    .array(promptField)
    .min(LIMITS.batch.min, { error: 'prompts must hold at least one prompt' })
    .max(LIMITS.batch.max, { error: `prompts must hold at most ${LIMITS.batch.max} prompts` }),
  ...frameFields,
});
export type BatchCreateTasksBody = z.infer<typeof BatchCreateTasksBodySchema>;

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(LIMITS.page.maxSize).default(LIMITS.page.defaultSize),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

export interface ClipView {
  scene_number: number;
  url: string;
  duration: number;
  frame_rate: number;
  resolution: string;
}

/**
 * One scene of a render: `cached` when an identical earlier render of it (same picture-deciding
 * content, same renderer) was reused instead of drawn again; `take_id` names the clip it uses.
 */
export interface TaskSceneView {
  scene_number: number;
  /** The storyboard scene's id; null for a plan straight from a planner. */
  scene_id: string | null;
  /** failed or cancelled: the scene's job ended without a clip (the task's error says why). */
  status: 'pending' | 'rendering' | 'done' | 'failed' | 'cancelled';
  cached: boolean;
  take_id: string | null;
  /** 0..1 of this scene. */
  progress: number;
  /**
   * Where the scene starts in the final video, in seconds: transitions overlap two clips
   * (planTimeline), so this is not the sum of the durations before it. Null until the storyboard is known.
   */
  start_sec: number | null;
  /** A still of the take the render used for it (same access as the task's video); null while it has none. */
  poster_url: string | null;
}

export interface TaskResult {
  video_url: string;
  duration: number;
  bytes: number;
  resolution: string;
  storyboard: PlannedScene[];
  clips: ClipView[];
}

/** `GET /api/tasks/{id}`: the original design's `{status, result}`, plus what the studio shows. */
export interface TaskView {
  task_id: string;
  prompt: string;
  owner: string;
  /** The project whose storyboard it renders (a seed-API task's own project); null when it has none (or its project was deleted). */
  project_id: string | null;
  /** That project's name as it is now (renamed projects show their new name); null without one. */
  project_name: string | null;
  status: TaskStatus;
  /** Why it failed, in English (detail for logs and curious users); null unless failed. */
  error: string | null;
  /** Why it failed as a stable code the studio translates (TASK_FAILURE_CODES; `render_failed` for failures recorded before codes); null unless failed. */
  failure_code: TaskFailureCode | null;
  /** 0..1 while running; scenes done over scenes planned. */
  progress: number;
  /** Which planner wrote the storyboard (and why it fell back, if it did); null until planned. */
  planner: PlannerRecord | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Higher runs first; admins change it. */
  priority: number;
  /** 1 = next to start; null unless pending. Users take turns, so this is not the order of submission. */
  queue_position: number | null;
  /** Seconds until it is done, from the scene times measured here; null when unknown or not waiting/running. */
  eta_s: number | null;
  /** The render's scenes with their own state, once the storyboard is known. */
  scenes: TaskSceneView[];
  /**
   * The saved version of the project's storyboard this render was made from (a render of an edited
   * storyboard links the newest version when nothing changed since, else saves one); null for a
   * seed-API task, a render from before versions were linked, or when that version was deleted.
   */
  version: VersionRef | null;
  result: TaskResult | null;
}

/** One entry of a project's render history (`GET /api/projects/{id}/renders`), newest first. */
export interface RenderHistoryItem {
  task_id: string;
  status: TaskStatus;
  created_at: string;
  finished_at: string | null;
  /** Who asked for the render; `name` is empty if that user is gone. */
  requested_by: { id: string; name: string };
  /** Seconds of the finished video; null until it is finished. */
  duration: number | null;
  poster_url: string | null;
  video_url: string | null;
  /** The storyboard version it was rendered from; null when it has none (or it was deleted). */
  version: VersionRef | null;
}

export const TaskPriorityBodySchema = z.strictObject({ priority: z.number().int().min(-100).max(100) });
export type TaskPriorityBody = z.infer<typeof TaskPriorityBodySchema>;

/** `GET /api/admin/queue`: whether new tasks start, and the waiting ones in the order they will. */
export interface QueueView {
  paused: boolean;
  running: TaskView[];
  pending: TaskView[];
}

/** One kept render of a scene (`GET /api/projects/{id}/scenes/{sceneId}/takes`), newest first. */
export interface TakeView {
  id: string;
  scene_id: string | null;
  created_at: string;
  /** Who started the render that drew it. */
  created_by: string;
  duration: number;
  bytes: number;
  clip_url: string;
  poster_url: string | null;
  /** What it was drawn from (description, seed, camera, size, renderer…). */
  params: Record<string, unknown>;
  /** The scene as it is now would render to exactly this take. */
  matches_current: boolean;
  /** Picked by someone: the next render uses it for this scene while the scene stays as it was when picked. */
  selected: boolean;
}

/** `GET /api/projects/{id}/disk`: what the project's renders keep on disk. */
export interface ProjectDiskView {
  takes: { count: number; bytes: number };
  renders: { count: number; bytes: number };
  total_bytes: number;
}

export interface CreateTaskResponse { task_id: string }
export interface BatchCreateTasksResponse { task_ids: string[] }
export interface Page<T> { items: T[]; total: number; page: number; page_size: number }
