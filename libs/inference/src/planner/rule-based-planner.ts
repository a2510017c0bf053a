import {
  LIMITS,
  StoryboardPlanSchema,
  type Camera,
  type Language,
  type PlannedScene,
  type StoryboardPlan,
} from '@reelcraft/shared';
import { throwIfAborted } from '../util/abort';
import { hashString, pick } from '../util/hash';
import type { PlanOptions, Planner } from './planner';
import { parsePrompt } from './prompt-parser';
import { phrasesFor } from './scene-phrases';

type Move = Camera['move'];

/** An opening and a closing scene frame the story; the rest of the budget goes to what the prompt lists. */
const MAX_MIDDLE = LIMITS.scenes.max - 2;
/** Caps that keep a scene's text readable on screen, well inside the schema's limits. */
const MAX_SUBJECT_IN_DESCRIPTION = 300;
const MAX_ITEM_IN_DESCRIPTION = 400;
const MAX_TITLE = 60;

const MIDDLE_MOVES: readonly Move[] = ['pan-right', 'zoom-in', 'tilt-up', 'pan-left', 'zoom-out', 'static', 'tilt-down'];
const CLOSE_UP_WORDS =
  /小|细节|特写|花|叶|脸|眼|手|昆虫|虫|鸟|猫|狗|兔|鹿|动物|宝宝|\b(?:small|little|tiny|detail|details|face|eyes?|hands?|flowers?|leaf|leaves|insects?|birds?|cats?|dogs?|rabbits?|deer|animals?|baby)\b/i;
const WIDE_WORDS =
  /河|江|湖|海|山|城|天空|草原|瀑布|峡谷|沙漠|田野|森林|星空|\b(?:river|lake|sea|ocean|mountains?|city|skyline|sky|valley|waterfall|fields?|forest|desert|coast|beach|landscape)\b/i;
const NIGHT_WORDS = /夜|星空|月光|\b(?:night|midnight|moonlit|starry|stars)\b/i;

/**
 * Deterministic storyboard writer used when no LLM is available: the same prompt always gives the
 * same plan, in the prompt's language, framed as opening → one scene per listed thing → closing.
 */
export class RuleBasedPlanner implements Planner {
  async plan(prompt: string, options: PlanOptions = {}): Promise<StoryboardPlan> {
    throwIfAborted(options.signal, 'Planning');
    const plan = this.planSync(prompt);
    throwIfAborted(options.signal, 'Planning');
    return plan;
  }

  /** The same plan, synchronously: planning is pure string work and callers in tests like it direct. */
  planSync(prompt: string): StoryboardPlan {
    if (typeof prompt !== 'string' || prompt.trim() === '') throw new TypeError('prompt must be a non-empty string');
    const parsed = parsePrompt(prompt);
    const { language } = parsed;
    const phrases = phrasesFor(language);
    const seed = hashString(prompt.trim());
    const subject = parsed.subject || (language === 'zh' ? '我们的故事' : 'our story');
    const night = NIGHT_WORDS.test(prompt);

    // Mid-sentence, "A city at night" reads as "a city at night"; names keep their capitals.
    const inline = language === 'en' ? subject.replace(/^(A|An|The)\b/, (w) => w.toLowerCase()) : subject;
    const s = clip(inline, MAX_SUBJECT_IN_DESCRIPTION, language);
    const sShort = clip(inline, phrases.maxSubjectInSubtitle, language);
    const groups = groupItems(parsed.items, MAX_MIDDLE);

    const scenes: PlannedScene[] = [];
    const add = (camera: Camera, duration: number, text: { description: string; subtitle: string }) =>
      scenes.push({
        scene_number: scenes.length + 1,
        description: clip(text.description, LIMITS.description.max, language),
        subtitle: clip(text.subtitle, LIMITS.subtitle.max, language),
        camera,
        duration_sec: duration,
      });

    const openingCamera: Camera = {
      shot: pick(['aerial', 'wide'] as const, seed),
      move: pick(['zoom-in', 'pan-right', 'tilt-down'] as const, seed >>> 3),
    };
    const opening = phrases.opening(s, openingCamera, seed >>> 5);
    // The subtitle names the subject in its short form; the description keeps the long one.
    add(openingCamera, 4, { description: opening.description, subtitle: phrases.opening(sShort, openingCamera, seed >>> 5).subtitle });

    let moveIndex = seed >>> 7;
    const nextMove = (): Move => {
      let move = pick(MIDDLE_MOVES, moveIndex++);
      // Never repeat the previous scene's move: back-to-back identical moves read as one long shot.
      if (move === scenes[scenes.length - 1]?.camera.move) move = pick(MIDDLE_MOVES, moveIndex++);
      return move;
    };

    if (groups.length === 0) {
      // Nothing listed: show the subject from closer, then in motion, so the video still tells something.
      add({ shot: 'close-up', move: nextMove() }, 4, phrases.detail(s, seed >>> 9));
      const journey = phrases.journey(s, seed >>> 11);
      add({ shot: 'medium', move: nextMove() }, 4, { description: journey.description, subtitle: phrases.journey(sShort, 0).subtitle });
    }
    groups.forEach((group, i) => {
      const item = phrases.join(group);
      const h = hashString(item, seed);
      const camera: Camera = { shot: shotFor(item, i), move: nextMove() };
      const variant = (seed >>> 9) + i;
      const full = phrases.item(s, clip(item, MAX_ITEM_IN_DESCRIPTION, language), camera, variant);
      const short = phrases.item(sShort, clip(item, phrases.maxItemInSubtitle, language), camera, variant);
      add(camera, 3 + (h % 3), { description: full.description, subtitle: short.subtitle });
    });

    const closingCamera: Camera = {
      shot: 'wide',
      move: pick(['zoom-out', 'tilt-up', 'pan-left'] as const, seed >>> 13),
    };
    if (closingCamera.move === scenes[scenes.length - 1]?.camera.move) closingCamera.move = 'zoom-out' === closingCamera.move ? 'tilt-up' : 'zoom-out';
    const closing = phrases.closing(s, night, seed >>> 15);
    add(closingCamera, 4, { description: closing.description, subtitle: phrases.closing(sShort, night, seed >>> 15).subtitle });

    const title = makeTitle(subject, language);
    // The schema is the contract with the server and the studio: a plan that breaks it is a bug here.
    return StoryboardPlanSchema.parse({ language, title, scenes });
  }
}

/** Spreads items over at most `max` scenes, keeping prompt order; surplus items share scenes. */
function groupItems(items: string[], max: number): string[][] {
  if (items.length <= max) return items.map((item) => [item]);
  const groups: string[][] = Array.from({ length: max }, () => []);
  items.forEach((item, i) => groups[Math.floor((i * max) / items.length)]!.push(item));
  return groups;
}

function shotFor(item: string, index: number): Camera['shot'] {
  if (CLOSE_UP_WORDS.test(item)) return 'close-up';
  if (WIDE_WORDS.test(item)) return 'wide';
  return index % 2 === 0 ? 'medium' : 'close-up';
}

function makeTitle(subject: string, language: Language): string {
  const title = clip(subject, MAX_TITLE, language);
  return language === 'en' ? title.charAt(0).toUpperCase() + title.slice(1) : title;
}

/**
 * Shortens to at most `max` code units, ending in an ellipsis; English is cut at a word boundary
 * when one is near, and surrogate pairs are never split.
 */
export function clip(text: string, max: number, language: Language): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  let out = '';
  for (const ch of chars) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  if (language === 'en') {
    const space = out.lastIndexOf(' ');
    if (space > max * 0.6) out = out.slice(0, space);
  }
  return `${out.replace(/[\s,，、。.;；:：]+$/, '')}…`;
}
