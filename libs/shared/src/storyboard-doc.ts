import { z } from 'zod';
import { LIMITS } from './limits';
import { CAMERA_MOVES, CAMERA_SHOTS, DEFAULT_OUTPUT, LANGUAGES, OutputSettingsSchema, SCENE_TRANSITIONS, type Language, type PlannedScene, type RenderPlan, type StoryboardPlan } from './storyboard';

/**
 * The editable storyboard of a project: what people co-edit live (mapped onto a Y.Doc by
 * storyboard-ydoc.ts) and what a render snapshots. It is deliberately looser than the planner's
 * StoryboardPlan: text may be empty while someone is typing and a storyboard may hold more scenes
 * than a plan; `planFromStoryboard` turns it into a plan, which StoryboardPlanSchema then decides
 * is renderable or not.
 */

const SB = LIMITS.storyboard;

export const ASPECTS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
export type Aspect = (typeof ASPECTS)[number];
/** The render plan's list (SCENE_TRANSITIONS), so a storyboard's choice always has a meaning there. */
export const TRANSITIONS = SCENE_TRANSITIONS;
export type Transition = (typeof TRANSITIONS)[number];

/** nanoid's alphabet: URL-safe, and 64 symbols so one random byte masks to one symbol without bias. */
const ID_ALPHABET = 'useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict';
const ID_LENGTH = 21;
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

interface WebCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

/**
 * A random id (nanoid-style, 126 bits). Uses the Web Crypto API, which both browsers and Node 20
 * expose as `globalThis.crypto`, so this file needs no Node import and bundles for the studio.
 */
export function newId(): string {
  const crypto = (globalThis as { crypto?: WebCrypto }).crypto;
  if (!crypto) throw new Error('no Web Crypto API (globalThis.crypto) in this runtime');
  const bytes = crypto.getRandomValues(new Uint8Array(ID_LENGTH));
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 63];
  return id;
}

const text = (name: string, max: number) =>
  z.string({ error: `${name} must be a string` }).max(max, { error: `${name} must be at most ${max} characters` });
const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });
const num = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });
const id = (name: string) => z.string({ error: `${name} must be a string` }).regex(ID_PATTERN, { error: `${name} must be 8 to 64 letters, digits, _ or -` });
const size = (name: string, range: { min: number; max: number }) =>
  int(name, range.min, range.max).refine((n) => n % 2 === 0, { error: `${name} must be even` });

export const StoryboardStyleSchema = z.object({
  style_prompt: text('style prompt', SB.stylePrompt.max),
  negative_prompt: text('negative prompt', SB.negativePrompt.max),
  seed: int('seed', SB.seed.min, SB.seed.max),
  /** The preset the studio picked; width and height are the size actually rendered. */
  aspect: z.enum(ASPECTS, { error: `aspect must be one of ${ASPECTS.join(', ')}` }),
  width: size('width', SB.width),
  height: size('height', SB.height),
  fps: int('fps', SB.fps.min, SB.fps.max),
});
export type StoryboardStyle = z.infer<typeof StoryboardStyleSchema>;

export const CharacterSchema = z.object({
  id: id('character id'),
  name: text('character name', SB.characterName.max),
  /** The visual description a renderer adds to every scene the character appears in. */
  description: text('character description', SB.characterDescription.max),
});
export type Character = z.infer<typeof CharacterSchema>;

export const MusicSettingsSchema = z.object({
  enabled: z.boolean({ error: 'music enabled must be true or false' }),
  track_name: text('music track name', SB.musicTrackName.max),
  /** An uploaded audio file's id; null while none is chosen. */
  file_id: z.string({ error: 'music file id must be a string' }).max(64, { error: 'music file id must be at most 64 characters' }).nullable(),
  volume: num('music volume', 0, 1),
  fade_in_sec: num('music fade-in', 0, SB.fadeSec.max),
  fade_out_sec: num('music fade-out', 0, SB.fadeSec.max),
});
export type MusicSettings = z.infer<typeof MusicSettingsSchema>;

export const SceneCameraSchema = z.object({
  shot: z.enum(CAMERA_SHOTS, { error: `camera shot must be one of ${CAMERA_SHOTS.join(', ')}` }),
  move: z.enum(CAMERA_MOVES, { error: `camera move must be one of ${CAMERA_MOVES.join(', ')}` }),
  /** Multiplies the move's pace: 1 is the renderer's normal speed. */
  speed: num('camera speed', SB.cameraSpeed.min, SB.cameraSpeed.max),
});
export type SceneCamera = z.infer<typeof SceneCameraSchema>;

export const SceneCommentSchema = z.object({
  id: id('comment id'),
  /** The author's username, as it was when the comment was written. */
  author: z.string({ error: 'comment author must be a string' }).min(1, { error: 'comment author is required' }).max(LIMITS.username.max, {
    error: `comment author must be at most ${LIMITS.username.max} characters`,
  }),
  text: text('comment', SB.comment.max),
  created_at: z.iso.datetime({ error: 'comment created_at must be an ISO date-time' }),
  resolved: z.boolean({ error: 'comment resolved must be true or false' }),
});
export type SceneComment = z.infer<typeof SceneCommentSchema>;

export const StoryboardSceneSchema = z.object({
  /** Stable across moves and edits (unlike the position), so comments, renders and cursors can refer to it. */
  id: id('scene id'),
  /** The visual prompt. */
  description: text('description', LIMITS.description.max),
  /** The narration shown (and spoken) over the scene. */
  subtitle: text('subtitle', LIMITS.subtitle.max),
  camera: SceneCameraSchema,
  duration_sec: int('duration', LIMITS.sceneDurationSec.min, LIMITS.sceneDurationSec.max),
  /** How this scene begins, coming from the one before it. */
  transition: z.enum(TRANSITIONS, { error: `transition must be one of ${TRANSITIONS.join(', ')}` }),
  /** Overrides the storyboard's seed for this scene only. */
  seed: int('scene seed', SB.seed.min, SB.seed.max).optional(),
  /** Kept as is: re-planning and "regenerate all" leave a locked scene alone. */
  locked: z.boolean({ error: 'locked must be true or false' }),
  /** An uploaded image or clip the scene shows instead of a generated picture (POST …/scenes/{id}/media). */
  media_id: id('scene media id').optional(),
  /**
   * Starts from the previous scene's last frame instead of a fresh picture (a continuous shot);
   * ignored on the first scene. Absent in storyboards made before it existed: not chained.
   */
  chained: z.boolean({ error: 'chained must be true or false' }).optional(),
  character_ids: z
    .array(id('character id'), { error: 'character_ids must be a list' })
    .max(SB.characters.max, { error: `a scene can name at most ${SB.characters.max} characters` }),
  comments: z
    .array(SceneCommentSchema, { error: 'comments must be a list' })
    .max(SB.commentsPerScene.max, { error: `a scene can hold at most ${SB.commentsPerScene.max} comments` }),
});
export type StoryboardScene = z.infer<typeof StoryboardSceneSchema>;

export const StoryboardSchema = z
  .object({
    title: text('title', SB.title.max),
    language: z.enum(LANGUAGES, { error: `language must be one of ${LANGUAGES.join(', ')}` }),
    style: StoryboardStyleSchema,
    characters: z
      .array(CharacterSchema, { error: 'characters must be a list' })
      .max(SB.characters.max, { error: `a storyboard can hold at most ${SB.characters.max} characters` }),
    music: MusicSettingsSchema,
    /** Absent in storyboards made before it existed: DEFAULT_OUTPUT applies. */
    output: OutputSettingsSchema.optional(),
    scenes: z
      .array(StoryboardSceneSchema, { error: 'scenes must be a list' })
      .max(SB.scenes.max, { error: `a storyboard can hold at most ${SB.scenes.max} scenes` }),
  })
  .superRefine((sb, ctx) => {
    // Ids are what everything else refers to; a duplicate or a dangling reference is a broken document.
    const seen = new Set<string>();
    sb.scenes.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['scenes', i, 'id'], message: `scene id "${s.id}" is used twice` });
      seen.add(s.id);
    });
    const characters = new Set<string>();
    sb.characters.forEach((c, i) => {
      if (characters.has(c.id)) ctx.addIssue({ code: 'custom', path: ['characters', i, 'id'], message: `character id "${c.id}" is used twice` });
      characters.add(c.id);
    });
    sb.scenes.forEach((s, i) =>
      s.character_ids.forEach((cid, j) => {
        if (!characters.has(cid)) ctx.addIssue({ code: 'custom', path: ['scenes', i, 'character_ids', j], message: `no character "${cid}"` });
      }),
    );
  });
export type Storyboard = z.infer<typeof StoryboardSchema>;

export interface StoryboardIssue {
  /** Dotted path of the field, e.g. `scenes.3.description`; empty for the whole storyboard. */
  path: string;
  message: string;
}
export type StoryboardResult = { ok: true; value: Storyboard } | { ok: false; issues: StoryboardIssue[] };

/** The same path + message shape the API's 400 answers carry (ApiError.issues). */
export const issuesOf = (error: z.ZodError): StoryboardIssue[] =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

export function validateStoryboard(input: unknown): StoryboardResult {
  const parsed = StoryboardSchema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: issuesOf(parsed.error) };
}

/** Thrown where a caller hands over a storyboard or scene that breaks the schema. */
export class StoryboardValidationError extends Error {
  constructor(readonly issues: StoryboardIssue[]) {
    super(`invalid storyboard: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'StoryboardValidationError';
  }
}

/** Matches the render defaults (RENDER_WIDTH/HEIGHT/FPS) so a fresh storyboard renders like a seed-API task. */
export const DEFAULT_STYLE: StoryboardStyle = {
  style_prompt: '',
  negative_prompt: '',
  seed: 0,
  aspect: '16:9',
  width: 640,
  height: 360,
  fps: 24,
};

export const DEFAULT_MUSIC: MusicSettings = {
  enabled: false,
  track_name: '',
  file_id: null,
  volume: 0.8,
  fade_in_sec: 1,
  fade_out_sec: 2,
};

export const DEFAULT_SCENE_DURATION_SEC = 4;

/** A blank scene with a fresh id; `fields` override the defaults. */
export function newScene(fields: Partial<StoryboardScene> = {}): StoryboardScene {
  return {
    id: newId(),
    description: '',
    subtitle: '',
    camera: { shot: 'medium', move: 'static', speed: 1 },
    duration_sec: DEFAULT_SCENE_DURATION_SEC,
    transition: 'cut',
    locked: false,
    character_ids: [],
    comments: [],
    ...fields,
  };
}

export function emptyStoryboard(title: string, language: Language): Storyboard {
  return {
    title: title.slice(0, SB.title.max),
    language,
    style: { ...DEFAULT_STYLE },
    characters: [],
    music: { ...DEFAULT_MUSIC },
    scenes: [],
  };
}

/** A planner's output as an editable storyboard: scenes in plan order, each with a fresh id. */
export function storyboardFromPlan(plan: StoryboardPlan, style: Partial<StoryboardStyle> = {}): Storyboard {
  const scenes = [...plan.scenes].sort((a, b) => a.scene_number - b.scene_number);
  return {
    ...emptyStoryboard(plan.title, plan.language),
    style: { ...DEFAULT_STYLE, ...style },
    scenes: scenes.map((s) =>
      newScene({
        description: s.description,
        subtitle: s.subtitle,
        camera: { shot: s.camera.shot, move: s.camera.move, speed: 1 },
        duration_sec: s.duration_sec,
      }),
    ),
  };
}

/** The storyboard's title as a plan needs it (a plan's title may not be empty). */
export function planTitle(sb: Storyboard): string {
  return sb.title.trim() || (sb.language === 'zh' ? '未命名' : 'Untitled');
}

/** A storyboard scene as a planner writes one: only the fields a plan has, at position `sceneNumber`. */
export function plannedScene(s: StoryboardScene, sceneNumber: number): PlannedScene {
  return {
    scene_number: sceneNumber,
    description: s.description,
    subtitle: s.subtitle,
    camera: { shot: s.camera.shot, move: s.camera.move },
    duration_sec: s.duration_sec,
  };
}

/**
 * The storyboard as the render pipeline's plan: scene_number is the position; the global style,
 * each scene's characters (as "name: description"), its seed, camera speed and transition come
 * along (a 'cut', the default, is left out; the first scene's transition is carried as it is and
 * the assembly decides what it means: a fade in from black for 'fade-black', nothing otherwise). The
 * result is not checked here: a storyboard may be mid-edit (an empty description, more scenes than
 * a plan takes), so a caller about to render validates it with RenderPlanSchema and shows those issues.
 */
export function planFromStoryboard(sb: Storyboard): RenderPlan {
  const characters = new Map(sb.characters.map((c) => [c.id, c]));
  const { style_prompt, negative_prompt, seed, width, height, fps } = sb.style;
  return {
    language: sb.language,
    title: planTitle(sb),
    style: { style_prompt, negative_prompt, seed, width, height, fps },
    output: sb.output ?? DEFAULT_OUTPUT,
    music: { enabled: sb.music.enabled, file_id: sb.music.file_id, volume: sb.music.volume, fade_in_sec: sb.music.fade_in_sec, fade_out_sec: sb.music.fade_out_sec },
    scenes: sb.scenes.map((s, i) => {
      const cast = s.character_ids.flatMap((id) => {
        const c = characters.get(id);
        const text = c ? [c.name.trim(), c.description.trim()].filter(Boolean).join(': ') : '';
        return text ? [text] : [];
      });
      const planned = plannedScene(s, i + 1);
      return {
        id: s.id,
        ...planned,
        camera: { ...planned.camera, speed: s.camera.speed },
        ...(cast.length ? { characters: cast } : {}),
        ...(s.seed !== undefined ? { seed: s.seed } : {}),
        ...(s.transition !== 'cut' ? { transition: s.transition } : {}),
        ...(s.media_id ? { media_id: s.media_id } : {}),
        // The first scene has nothing to continue from.
        ...(s.chained && i > 0 ? { chained: true } : {}),
      };
    }),
  };
}
