import {
  CAMERA_MOVES,
  CAMERA_SHOTS,
  LIMITS,
  PlannedSceneSchema,
  StoryboardPlanSchema,
  type Camera,
  type Language,
  type PlannedScene,
  type StoryboardPlan,
} from '@reelcraft/shared';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Model text can carry what a screen cannot show: the replacement character of a broken UTF-8
 * sequence, control characters, runs of whitespace. Clean them before judging "empty".
 */
export function cleanText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f\ufffd]/g, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(cleaned);
  return chars.length <= max ? cleaned : chars.slice(0, max).join('').trimEnd();
}

const clampInt = (v: unknown, min: number, max: number, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;

/**
 * Turns whatever the model wrote for one scene into a valid PlannedScene: keeps what is usable,
 * takes the rest from `fallback` (the rule-based planner's scene at the same place), and numbers
 * it `sceneNumber` whatever the model said.
 */
export function repairScene(raw: unknown, sceneNumber: number, fallback: PlannedScene): PlannedScene {
  const r = isRecord(raw) ? raw : {};
  const camera = isRecord(r.camera) ? r.camera : {};
  const shot = (CAMERA_SHOTS as readonly unknown[]).includes(camera.shot) ? (camera.shot as Camera['shot']) : fallback.camera.shot;
  const move = (CAMERA_MOVES as readonly unknown[]).includes(camera.move) ? (camera.move as Camera['move']) : fallback.camera.move;
  const description = cleanText(r.description, LIMITS.description.max) || fallback.description;
  const scene = {
    scene_number: sceneNumber,
    description,
    subtitle: typeof r.subtitle === 'string' ? cleanText(r.subtitle, LIMITS.subtitle.max) : fallback.subtitle,
    camera: { shot, move },
    duration_sec: clampInt(r.duration_sec, LIMITS.sceneDurationSec.min, LIMITS.sceneDurationSec.max, fallback.duration_sec),
  };
  return PlannedSceneSchema.parse(scene);
}

/**
 * Makes a schema-valid plan out of the model's (possibly partial) answer: scenes renumbered 1…n,
 * clipped to LIMITS.scenes.max, padded from the fallback plan when too few arrived (a generation
 * cut short), every field checked. The result always passes StoryboardPlanSchema.
 */
export function repairPlan(raw: unknown, rawScenes: readonly unknown[] | undefined, language: Language, fallback: StoryboardPlan): StoryboardPlan {
  const r = isRecord(raw) ? raw : {};
  const sceneSource = rawScenes ?? (Array.isArray(r.scenes) ? r.scenes : []);
  const scenes = sceneSource.slice(0, LIMITS.scenes.max).map((s, i) => repairScene(s, i + 1, fallbackScene(fallback, i)));
  for (let i = scenes.length; i < LIMITS.scenes.min; i++) scenes.push({ ...fallbackScene(fallback, i), scene_number: i + 1 });
  const title = cleanText(r.title, 200) || fallback.title;
  return StoryboardPlanSchema.parse({ language, title, scenes });
}

/** The fallback's scene at index i, or its last one when the fallback is shorter. */
export function fallbackScene(fallback: StoryboardPlan, i: number): PlannedScene {
  return fallback.scenes[Math.min(i, fallback.scenes.length - 1)]!;
}

/** Scenes numbered 1…n in order, after an edit inserted or removed some. */
export function renumber(scenes: readonly PlannedScene[]): PlannedScene[] {
  return scenes.map((s, i) => ({ ...s, scene_number: i + 1 }));
}
