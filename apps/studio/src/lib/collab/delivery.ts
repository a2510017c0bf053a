/**
 * The storyboard's delivery settings in the live document: `output` (subtitles burnt in, their
 * size and place, narration, the animatic's caption card) and `music` (on or off, volume, fades),
 * each a Y.Map under the storyboard's root, last writer wins per key.
 *
 * A storyboard made before delivery settings existed has no 'output' map (it renders with
 * DEFAULT_OUTPUT): the first change creates it with every key, since the schema takes the map
 * whole or not at all and the server refuses an edit that leaves the storyboard unreadable. Two
 * people creating it at the same moment both write the root key, and one map wins.
 */
import * as Y from 'yjs';
import { DEFAULT_MUSIC, DEFAULT_OUTPUT, LIMITS, SUBTITLE_POSITIONS, hasStoryboard, storyboardRoot, type MusicSettings, type OutputSettings } from '@reelcraft/shared';

export type OutputPatch = Partial<OutputSettings>;
export type MusicPatch = Partial<Pick<MusicSettings, 'enabled' | 'volume' | 'fade_in_sec' | 'fade_out_sec'>>;

export interface DeliverySettings {
  output: OutputSettings;
  music: MusicSettings;
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The patch with what the schema would refuse left out and numbers brought into range. */
export function cleanOutput(patch: OutputPatch): OutputPatch {
  const out: OutputPatch = {};
  for (const key of ['burn_subtitles', 'narration', 'caption_card'] as const) if (typeof patch[key] === 'boolean') out[key] = patch[key];
  if (finite(patch.subtitle_scale)) out.subtitle_scale = Math.round(clamp(patch.subtitle_scale, 0.5, 2) * 100) / 100;
  if (patch.subtitle_position && SUBTITLE_POSITIONS.includes(patch.subtitle_position)) out.subtitle_position = patch.subtitle_position;
  return out;
}

export function cleanMusic(patch: MusicPatch): MusicPatch {
  const out: MusicPatch = {};
  if (typeof patch.enabled === 'boolean') out.enabled = patch.enabled;
  if (finite(patch.volume)) out.volume = Math.round(clamp(patch.volume, 0, 1) * 100) / 100;
  for (const key of ['fade_in_sec', 'fade_out_sec'] as const) if (finite(patch[key])) out[key] = Math.round(clamp(patch[key], 0, LIMITS.storyboard.fadeSec.max) * 10) / 10;
  return out;
}

/** Sets `patch` on the root's map `key`, creating the map (or any key it lacks) from `defaults`. */
function setOn(doc: Y.Doc, key: 'output' | 'music', defaults: Record<string, unknown>, patch: Record<string, unknown>, origin: unknown): void {
  if (!hasStoryboard(doc)) return;
  doc.transact(() => {
    const root = storyboardRoot(doc);
    let map = root.get(key);
    if (!(map instanceof Y.Map)) map = root.set(key, new Y.Map<unknown>());
    const m = map as Y.Map<unknown>;
    for (const [k, v] of Object.entries(defaults)) if (!m.has(k)) m.set(k, v);
    for (const [k, v] of Object.entries(patch)) if (v !== undefined && m.get(k) !== v) m.set(k, v);
  }, origin);
}

/** Changes the output settings in one transaction. */
export function setOutput(doc: Y.Doc, patch: OutputPatch, origin: unknown = null): void {
  setOn(doc, 'output', DEFAULT_OUTPUT, cleanOutput(patch), origin);
}

/** Changes the music settings in one transaction (the track itself is not chosen here). */
export function setMusic(doc: Y.Doc, patch: MusicPatch, origin: unknown = null): void {
  setOn(doc, 'music', DEFAULT_MUSIC, cleanMusic(patch), origin);
}

/** The settings as the document holds them, a missing map or key read as its default. */
export function readDelivery(doc: Y.Doc): DeliverySettings {
  const root = storyboardRoot(doc);
  const plain = (key: string) => {
    const m = root.get(key);
    return m instanceof Y.Map ? (m.toJSON() as Record<string, unknown>) : {};
  };
  const o = plain('output');
  const m = plain('music');
  return {
    output: { ...DEFAULT_OUTPUT, ...cleanOutput(o as OutputPatch) },
    music: {
      ...DEFAULT_MUSIC,
      ...cleanMusic(m as MusicPatch),
      track_name: typeof m.track_name === 'string' ? m.track_name : DEFAULT_MUSIC.track_name,
      file_id: typeof m.file_id === 'string' ? m.file_id : null,
    },
  };
}
