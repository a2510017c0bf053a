import { z } from 'zod';
import { LIMITS } from './limits';

export const CAMERA_SHOTS = ['wide', 'medium', 'close-up', 'aerial'] as const;
export const CAMERA_MOVES = ['static', 'pan-left', 'pan-right', 'zoom-in', 'zoom-out', 'tilt-up', 'tilt-down'] as const;
export const LANGUAGES = ['zh', 'en'] as const;

export const CameraSchema = z.object({
  shot: z.enum(CAMERA_SHOTS),
  move: z.enum(CAMERA_MOVES),
});
export type Camera = z.infer<typeof CameraSchema>;

/** One scene as the planner writes it and the renderer reads it (the original design's Scenes row). */
export const PlannedSceneSchema = z.object({
  scene_number: z.number().int().min(1).max(LIMITS.storyboard.scenes.max),
  description: z.string().min(1).max(LIMITS.description.max),
  subtitle: z.string().max(LIMITS.subtitle.max),
  camera: CameraSchema,
  duration_sec: z.number().int().min(LIMITS.sceneDurationSec.min).max(LIMITS.sceneDurationSec.max),
});
export type PlannedScene = z.infer<typeof PlannedSceneSchema>;

export const StoryboardPlanSchema = z.object({
  language: z.enum(LANGUAGES),
  title: z.string().min(1).max(200),
  scenes: z.array(PlannedSceneSchema).min(LIMITS.scenes.min).max(LIMITS.scenes.max),
});
export type StoryboardPlan = z.infer<typeof StoryboardPlanSchema>;
export type Language = (typeof LANGUAGES)[number];

/**
 * What a render accepts: a plan as the planner writes it, or one made from a storyboard people
 * edited, which may hold from one scene up to the storyboard's limit.
 */
export const RenderPlanSchema = StoryboardPlanSchema.extend({
  scenes: z.array(PlannedSceneSchema).min(1).max(LIMITS.storyboard.scenes.max),
});
