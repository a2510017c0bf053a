/**
 * The plain, tolerant view of a storyboard document that the editor renders: stray copies of
 * moved scenes dropped, missing fields defaulted. Pure (no runes), so it lives outside the
 * session's .svelte.ts module.
 */
import * as Y from 'yjs';
import {
  DEFAULT_STYLE,
  hasStoryboard,
  listCharacters,
  storyboardRoot,
  type Aspect,
  type Character,
  type SceneCamera,
  type StoryboardStyle,
  type Transition,
} from '@reelcraft/shared';
import { readDelivery, type DeliverySettings } from './delivery';

export interface CommentView {
  id: string;
  author: string;
  text: string;
  created_at: string;
  resolved: boolean;
}

export interface SceneView {
  id: string;
  description: string;
  subtitle: string;
  camera: SceneCamera;
  duration_sec: number;
  transition: Transition;
  seed?: number;
  locked: boolean;
  /** Starts from the previous scene's last frame (a continuous shot). */
  chained: boolean;
  character_ids: string[];
  comments: CommentView[];
}

export interface StoryboardView extends DeliverySettings {
  title: string;
  language: 'zh' | 'en';
  style: StoryboardStyle;
  characters: Character[];
  scenes: SceneView[];
}

/** The width and height each aspect preset renders at (the server's default size is 640×360). */
export const ASPECT_SIZES: Record<Aspect, { width: number; height: number }> = {
  '16:9': { width: 640, height: 360 },
  '9:16': { width: 360, height: 640 },
  '1:1': { width: 480, height: 480 },
  '4:3': { width: 480, height: 360 },
  '3:4': { width: 360, height: 480 },
};

const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v instanceof Y.Text ? v.toString() : fallback);
const asNumber = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** A tolerant plain view of the document: stray copies of moved scenes dropped, missing fields defaulted. */
export function viewOf(doc: Y.Doc): StoryboardView | null {
  if (!hasStoryboard(doc)) return null;
  const root = storyboardRoot(doc);
  const styleMap = root.get('style');
  const style = { ...DEFAULT_STYLE, ...(styleMap instanceof Y.Map ? (styleMap.toJSON() as Partial<StoryboardStyle>) : {}) };
  const seen = new Set<string>();
  const scenes: SceneView[] = [];
  (root.get('scenes') as Y.Array<unknown>).forEach((m) => {
    if (!(m instanceof Y.Map)) return;
    const id = m.get('id');
    if (typeof id !== 'string' || seen.has(id)) return;
    seen.add(id);
    const camera = m.get('camera');
    const cam = camera instanceof Y.Map ? (camera.toJSON() as Partial<SceneCamera>) : {};
    const comments = m.get('comments');
    const commentList: CommentView[] = [];
    const commentIds = new Set<string>();
    if (comments instanceof Y.Array) {
      comments.forEach((c) => {
        if (!(c instanceof Y.Map)) return;
        const cid = asString(c.get('id'));
        if (!cid || commentIds.has(cid)) return;
        commentIds.add(cid);
        commentList.push({ id: cid, author: asString(c.get('author')), text: asString(c.get('text')), created_at: asString(c.get('created_at')), resolved: c.get('resolved') === true });
      });
    }
    const seed = m.get('seed');
    const characterIds = m.get('character_ids');
    scenes.push({
      id,
      description: asString(m.get('description')),
      subtitle: asString(m.get('subtitle')),
      camera: { shot: cam.shot ?? 'medium', move: cam.move ?? 'static', speed: asNumber(cam.speed, 1) },
      duration_sec: asNumber(m.get('duration_sec'), 4),
      transition: (m.get('transition') as Transition) ?? 'cut',
      ...(typeof seed === 'number' ? { seed } : {}),
      locked: m.get('locked') === true,
      chained: m.get('chained') === true,
      character_ids: characterIds instanceof Y.Array ? [...new Set(characterIds.toArray().filter((c): c is string => typeof c === 'string'))] : [],
      comments: commentList,
    });
  });
  const language = root.get('language') === 'zh' ? 'zh' : 'en';
  return { title: asString(root.get('title')), language, style, characters: listCharacters(doc), scenes, ...readDelivery(doc) };
}
