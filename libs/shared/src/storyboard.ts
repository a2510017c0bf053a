import { z } from 'zod';
import { LIMITS } from './limits';

export const CAMERA_SHOTS = ['wide', 'medium', 'close-up', 'aerial'] as const;
export const CAMERA_MOVES = ['static', 'pan-left', 'pan-right', 'zoom-in', 'zoom-out', 'tilt-up', 'tilt-down'] as const;
export const LANGUAGES = ['zh', 'en'] as const;
/** How a scene begins, coming from the one before it (the storyboard's TRANSITIONS). */
export const SCENE_TRANSITIONS = ['cut', 'crossfade', 'fade-black'] as const;
export type SceneTransition = (typeof SCENE_TRANSITIONS)[number];

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

const SB = LIMITS.storyboard;
const seed = z.number().int().min(SB.seed.min).max(SB.seed.max);

/**
 * A scene as a render takes it: the planned scene plus what an edited storyboard adds. Optional, so
 * a plan straight from a planner renders as it is.
 */
export const RenderSceneSchema = PlannedSceneSchema.extend({
  /** The storyboard scene it renders (absent in a plan straight from a planner): its takes are kept under it. */
  id: z.string().min(1).max(64).optional(),
  camera: CameraSchema.extend({ speed: z.number().min(SB.cameraSpeed.min).max(SB.cameraSpeed.max).optional() }),
  /** "Name: visual description" of each character in the scene, added to its prompt. */
  characters: z
    .array(z.string().min(1).max(SB.characterName.max + 2 + SB.characterDescription.max))
    .max(SB.characters.max)
    .optional(),
  /** The uploaded image or clip this scene shows instead of a generated picture. */
  media_id: z.string().min(1).max(64).optional(),
  /** Fixes this scene's noise, whatever its position and the video's seed. */
  seed: seed.optional(),
  /**
   * How this scene begins, coming from the one before it; absent means 'cut'. On the first scene
   * 'fade-black' fades the video in from black and 'crossfade' means nothing (there is nothing to
   * cross from), so it is a cut.
   */
  transition: z.enum(SCENE_TRANSITIONS).optional(),
  /**
   * Starts from the previous scene's last frame (a continuous shot): the renderer is given that
   * frame, so the scene waits for its predecessor and its cache key includes the predecessor's.
   */
  chained: z.boolean().optional(),
});
export type RenderScene = z.infer<typeof RenderSceneSchema>;

export const SUBTITLE_POSITIONS = ['bottom', 'top', 'middle'] as const;
export type SubtitlePlacement = (typeof SUBTITLE_POSITIONS)[number];

/**
 * How the finished video is delivered. A soft subtitle track, SRT and WebVTT come with every
 * render; these say whether the subtitles are also burnt into the picture and how they look,
 * whether the subtitles are spoken (local TTS), and whether the animatic draws its caption card
 * (scene number, shot, description) in the corner — off for a video meant to be delivered.
 */
export const OutputSettingsSchema = z.object({
  burn_subtitles: z.boolean({ error: 'burn subtitles must be true or false' }),
  /** Multiplies the size the assembler picks for the video's height. */
  subtitle_scale: z.number({ error: 'subtitle scale must be a number' }).min(0.5, { error: 'subtitle scale must be at least 0.5' }).max(2, { error: 'subtitle scale must be at most 2' }),
  subtitle_position: z.enum(SUBTITLE_POSITIONS, { error: `subtitle position must be one of ${SUBTITLE_POSITIONS.join(', ')}` }),
  narration: z.boolean({ error: 'narration must be true or false' }),
  caption_card: z.boolean({ error: 'caption card must be true or false' }),
});
export type OutputSettings = z.infer<typeof OutputSettingsSchema>;

/** What a storyboard without output settings (every one made before they existed) renders with. */
export const DEFAULT_OUTPUT: OutputSettings = { burn_subtitles: true, subtitle_scale: 1, subtitle_position: 'bottom', narration: false, caption_card: true };

/** A track of the music library (`GET /api/music`). */
export interface MusicTrackView {
  id: string;
  name: string;
  licence: string;
  format: string;
  duration: number;
  bytes: number;
  url: string;
  created_at: string;
}

export const MusicTrackFieldsSchema = z.strictObject({
  name: z.string().trim().min(1, { error: 'name is required' }).max(100, { error: 'name must be at most 100 characters' }),
  licence: z.string().trim().max(500, { error: 'licence must be at most 500 characters' }).default(''),
});
export type MusicTrackFields = z.infer<typeof MusicTrackFieldsSchema>;

/** What a render needs of the storyboard's music settings (the track is chosen by `file_id`). */
export const RenderMusicSchema = z.object({
  enabled: z.boolean(),
  file_id: z.string().max(64).nullable(),
  volume: z.number().min(0).max(1),
  fade_in_sec: z.number().min(0),
  fade_out_sec: z.number().min(0),
});

/** An uploaded image or clip for a scene (`POST /api/projects/{id}/scenes/{sceneId}/media`). */
export interface SceneMediaView {
  id: string;
  kind: 'image' | 'video';
  /** The detected format (`jpeg`, `png`, `webp`, `mp4`, `webm`…), never the file name's extension. */
  format: string;
  width: number;
  height: number;
  /** Seconds; 0 for an image. */
  duration: number;
  bytes: number;
  original_name: string;
  url: string;
}

/** The storyboard's global look, applied to every scene of a render. */
export const RenderStyleSchema = z.object({
  style_prompt: z.string().max(SB.stylePrompt.max),
  negative_prompt: z.string().max(SB.negativePrompt.max),
  seed,
  width: z.number().int().min(SB.width.min).max(SB.width.max).multipleOf(2),
  height: z.number().int().min(SB.height.min).max(SB.height.max).multipleOf(2),
  fps: z.number().int().min(SB.fps.min).max(SB.fps.max),
});
export type RenderStyle = z.infer<typeof RenderStyleSchema>;

/**
 * What a render accepts: a plan as the planner writes it, or one made from a storyboard people
 * edited, which may hold from one scene up to the storyboard's limit and carries its style.
 */
export const RenderPlanSchema = StoryboardPlanSchema.extend({
  scenes: z.array(RenderSceneSchema).min(1).max(SB.scenes.max),
  style: RenderStyleSchema.optional(),
  /** An edited storyboard's delivery settings (storyboard-doc.ts); absent: the defaults. */
  output: OutputSettingsSchema.optional(),
  /** An edited storyboard's music settings. */
  music: RenderMusicSchema.optional(),
});
export type RenderPlan = z.infer<typeof RenderPlanSchema>;
