import { LIMITS, PlannedSceneSchema, type Language, type PlannedScene } from '@reelcraft/shared';
import type { WindowScene } from './planner-protocol';

/**
 * The deterministic split and merge the editor gets without a usable language model (or when the
 * model fails). There is no rule-based rewrite: following a free-text instruction needs a model.
 */

/** Where a clause ends: Chinese 。，；！？、：and English ; ! ? : (and . , before a space, so 3.5 stays whole). */
const CLAUSE_END = /^[。，；！？、：;!?:]$/u;
const CLAUSE_END_BEFORE_SPACE = /^[.,]$/u;
/** Punctuation that would dangle at the end of the first half. */
const SOFT_END = /[，；、：,;:]+$/u;
/** Punctuation that ends a sentence. */
const SENTENCE_END = /[。！？.!?…]$/u;

/**
 * Splits text in two at the clause boundary nearest its middle; without one at the space nearest
 * its middle; without one (a short run of Chinese characters) at the middle character. Text of
 * fewer than two characters cannot be split: both halves keep it.
 */
export function splitText(text: string): [string, string] {
  const chars = Array.from(text.trim());
  if (chars.length < 2) return [chars.join(''), chars.join('')];
  const middle = chars.length / 2;
  const best = (cuts: number[]) => cuts.reduce<number | undefined>((b, c) => (b === undefined || Math.abs(c - middle) < Math.abs(b - middle) ? c : b), undefined);
  const cutsAfter = (test: (i: number) => boolean) => chars.flatMap((_, i) => (i + 1 < chars.length && test(i) ? [i + 1] : []));
  const clause = best(cutsAfter((i) => CLAUSE_END.test(chars[i]!) || (CLAUSE_END_BEFORE_SPACE.test(chars[i]!) && /\s/u.test(chars[i + 1]!))));
  const space = clause ?? best(cutsAfter((i) => /\s/u.test(chars[i + 1]!) && !/\s/u.test(chars[i]!)));
  const cut = space ?? Math.round(middle);
  const first = chars.slice(0, cut).join('').trim().replace(SOFT_END, '').trim();
  const second = chars.slice(cut).join('').trim();
  if (!first || !second) return [text.trim(), text.trim()];
  return [first, second];
}

/** Joins two texts as consecutive sentences, capped at `max` characters. */
export function joinTexts(a: string, b: string, language: Language, max: number): string {
  const [x, y] = [a.trim(), b.trim()];
  let joined: string;
  if (!x || !y) joined = x || y;
  else if (language === 'zh') joined = x.replace(SOFT_END, '') + (SENTENCE_END.test(x) ? '' : '。') + y;
  else joined = x.replace(SOFT_END, '') + (SENTENCE_END.test(x) ? ' ' : '. ') + y;
  const chars = Array.from(joined);
  return chars.length <= max ? joined : chars.slice(0, max).join('').trimEnd();
}

/**
 * The scene as two consecutive scenes: the description and the subtitle each split at a clause
 * boundary, the duration divided (the first half takes the odd second), the camera kept.
 */
export function splitSceneByRule(scene: WindowScene): [PlannedScene, PlannedScene] {
  const [d1, d2] = splitText(scene.description);
  const [s1, s2] = scene.subtitle.trim() ? splitText(scene.subtitle) : ['', ''];
  const min = LIMITS.sceneDurationSec.min;
  const firstSec = Math.max(min, Math.ceil(scene.duration_sec / 2));
  const secondSec = Math.max(min, scene.duration_sec - firstSec);
  const camera = { shot: scene.camera.shot, move: scene.camera.move };
  return [
    PlannedSceneSchema.parse({ scene_number: scene.scene_number, description: d1, subtitle: s1, camera, duration_sec: firstSec }),
    PlannedSceneSchema.parse({ scene_number: scene.scene_number + 1, description: d2, subtitle: s2, camera, duration_sec: secondSec }),
  ];
}

/**
 * Two consecutive scenes as one: descriptions and subtitles joined (capped at their limits), the
 * durations summed (capped at the longest a scene may last), the first scene's camera.
 */
export function mergeScenesByRule(first: WindowScene, second: WindowScene, language: Language): PlannedScene {
  return PlannedSceneSchema.parse({
    scene_number: first.scene_number,
    description: joinTexts(first.description, second.description, language, LIMITS.description.max),
    subtitle: joinTexts(first.subtitle, second.subtitle, language, LIMITS.subtitle.max),
    camera: { shot: first.camera.shot, move: first.camera.move },
    duration_sec: Math.min(LIMITS.sceneDurationSec.max, first.duration_sec + second.duration_sec),
  });
}
