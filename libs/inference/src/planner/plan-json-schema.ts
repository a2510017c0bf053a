import { CAMERA_MOVES, CAMERA_SHOTS, LIMITS, type Language } from '@reelcraft/shared';

/**
 * JSON schemas for node-llama-cpp's grammar, derived from libs/shared's storyboard shape.
 * The grammar ignores minimum/maximum and allows exponents in integers, so bounded integers are
 * enums; it emits every property, so there is nothing optional. Whatever the grammar cannot say
 * (unique, ordered scene numbers, non-blank text) is repaired after generation.
 */
export interface GenerationLimits {
  /** Characters the model may write per description; well under LIMITS so plans stay short. */
  description: number;
  subtitle: number;
  title: number;
}

export const DEFAULT_GENERATION_LIMITS: GenerationLimits = { description: 300, subtitle: 60, title: 60 };

const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i);

export function sceneJsonSchema(limits: GenerationLimits) {
  return {
    type: 'object',
    properties: {
      scene_number: { enum: range(1, LIMITS.scenes.max) },
      description: { type: 'string', minLength: 1, maxLength: Math.min(limits.description, LIMITS.description.max) },
      subtitle: { type: 'string', maxLength: Math.min(limits.subtitle, LIMITS.subtitle.max) },
      camera: {
        type: 'object',
        properties: { shot: { enum: [...CAMERA_SHOTS] }, move: { enum: [...CAMERA_MOVES] } },
      },
      duration_sec: { enum: range(LIMITS.sceneDurationSec.min, LIMITS.sceneDurationSec.max) },
    },
  } as const;
}

/** The whole plan, its language pinned to the prompt's so the model cannot switch languages. */
export function planJsonSchema(language: Language, limits: GenerationLimits) {
  return {
    type: 'object',
    properties: {
      language: { const: language },
      title: { type: 'string', minLength: 1, maxLength: Math.min(limits.title, 200) },
      scenes: { type: 'array', items: sceneJsonSchema(limits), minItems: LIMITS.scenes.min, maxItems: LIMITS.scenes.max },
    },
  } as const;
}

/** Exactly two scenes, for splitting one. */
export function twoScenesJsonSchema(limits: GenerationLimits) {
  return { type: 'array', items: sceneJsonSchema(limits), minItems: 2, maxItems: 2 } as const;
}
