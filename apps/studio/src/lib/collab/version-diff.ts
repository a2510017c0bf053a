/**
 * What the version compare shows, worked out from the server's StoryboardDiff: for each changed
 * scene field and setting a line with the text before and after, inserted and removed characters
 * marked (libs/shared charDiff), or a value before → after; added, removed and moved scenes named
 * as such. Pure (no runes, no DOM): VersionPanel renders it.
 */
import {
  charDiff,
  graphemes,
  type Character,
  type CommentCount,
  type Language,
  type MusicSettings,
  type OutputSettings,
  type SceneCamera,
  type SceneDiff,
  type StoryboardDiff,
  type StoryboardStyle,
  type TextDiffPart,
} from '@reelcraft/shared';
import { translate, type Lang, type MessageKey, type Params } from '$lib/i18n/core';
import { aspectLabelKey } from './versions';

/** A piece of a compared text; 'gap' stands for unchanged text left out ("…"). */
export interface DiffPiece {
  op: TextDiffPart['op'] | 'gap';
  text: string;
}

/** One changed thing: a text with its changes marked, or a value before and after. */
export type DiffLine = { label: string; pieces: DiffPiece[] } | { label: string; from: string; to: string };

export interface SceneEntry {
  id: string;
  change: 'added' | 'removed' | 'changed' | 'moved';
  /** "Scene 3": its position in the storyboard now (its old one if removed). */
  scene: string;
  /** For a moved scene: from where to where. */
  note?: string;
  lines: DiffLine[];
}

export interface SettingEntry {
  /** The setting's name ("style"). */
  setting: string;
  lines: DiffLine[];
}

export interface DiffView {
  title: DiffLine | null;
  settings: SettingEntry[];
  scenes: SceneEntry[];
  /** Nothing differs. */
  same: boolean;
}

/** Unchanged text kept around each change, in characters; the rest of a long unchanged run is shown as "…". */
export const CONTEXT = 40;

/** The marked text of `from` → `to`, long unchanged runs shortened to CONTEXT characters beside each change. */
export function textPieces(from: string, to: string, context = CONTEXT): DiffPiece[] {
  const parts = charDiff(from, to);
  const out: DiffPiece[] = [];
  parts.forEach((p, i) => {
    if (p.op !== 'equal') {
      out.push(p);
      return;
    }
    const chars = graphemes(p.text);
    const first = i === 0;
    const last = i === parts.length - 1;
    // A run between two changes keeps context on both sides; the first and last runs on their inner side only.
    const keep = (first ? 0 : context) + (last ? 0 : context);
    if (parts.length === 1 || chars.length <= keep + 1) {
      out.push(p);
      return;
    }
    if (!first) out.push({ op: 'equal', text: chars.slice(0, context).join('') });
    out.push({ op: 'gap', text: '…' });
    if (!last) out.push({ op: 'equal', text: chars.slice(chars.length - context).join('') });
  });
  return out;
}

const LANGUAGE_KEYS: Record<Language, MessageKey> = { zh: 'diff_value_lang_zh', en: 'diff_value_lang_en' };

/** Builds the lines; `lang` is the interface language. */
export function describeDiff(diff: StoryboardDiff, lang: Lang): DiffView {
  const t = (key: MessageKey, params?: Params) => translate(lang, key, params);
  const text = (label: string, from: string, to: string): DiffLine => ({ label, pieces: textPieces(from, to) });
  const value = (label: string, from: string, to: string): DiffLine => ({ label, from, to });
  const sub = (group: MessageKey, field: MessageKey) => t('diff_sub_label', { group: t(group), field: t(field) });
  const yesNo = (b: boolean | null | undefined) => t(b ? 'diff_value_yes' : 'diff_value_no');
  const seconds = (n: number) => t('diff_value_seconds', { n: formatNumber(n, lang) });
  const times = (n: number) => `×${formatNumber(n, lang)}`;
  const separator = t('diff_field_separator');

  const title = diff.title ? text(t('diff_title'), diff.title.from, diff.title.to) : null;

  const settings: SettingEntry[] = [];
  const sv = diff.setting_values ?? {};
  for (const key of diff.settings ?? []) {
    const lines: DiffLine[] = [];
    if (key === 'language' && sv.language) lines.push(value(t('diff_setting_language'), t(LANGUAGE_KEYS[sv.language.from]), t(LANGUAGE_KEYS[sv.language.to])));
    if (key === 'style' && sv.style) lines.push(...styleLines(sv.style.from, sv.style.to));
    if (key === 'music' && sv.music) lines.push(...musicLines(sv.music.from, sv.music.to));
    if (key === 'characters' && sv.characters) lines.push(...characterLines(sv.characters.from, sv.characters.to));
    if (key === 'output' && sv.output) lines.push(...outputLines(sv.output.from, sv.output.to));
    settings.push({ setting: t(`diff_setting_${key}`), lines });
  }

  function styleLines(a: StoryboardStyle, b: StoryboardStyle): DiffLine[] {
    const lines: DiffLine[] = [];
    if (a.style_prompt !== b.style_prompt) lines.push(text(t('editor_style_prompt'), a.style_prompt, b.style_prompt));
    if (a.negative_prompt !== b.negative_prompt) lines.push(text(t('editor_negative_prompt'), a.negative_prompt, b.negative_prompt));
    if (a.aspect !== b.aspect) lines.push(value(t('editor_aspect'), t(aspectLabelKey(a.aspect)), t(aspectLabelKey(b.aspect))));
    if (a.width !== b.width || a.height !== b.height) lines.push(value(t('diff_style_size'), `${a.width}×${a.height}`, `${b.width}×${b.height}`));
    if (a.fps !== b.fps) lines.push(value(t('diff_style_fps'), `${a.fps} fps`, `${b.fps} fps`));
    if (a.seed !== b.seed) lines.push(value(t('editor_seed'), String(a.seed), String(b.seed)));
    return lines;
  }

  function musicLines(a: MusicSettings, b: MusicSettings): DiffLine[] {
    const lines: DiffLine[] = [];
    if (a.enabled !== b.enabled) lines.push(value(t('delivery_music'), yesNo(a.enabled), yesNo(b.enabled)));
    if (a.track_name !== b.track_name) lines.push(text(t('diff_music_track'), a.track_name, b.track_name));
    if (a.file_id !== b.file_id) {
      const other = a.file_id !== null && b.file_id !== null;
      lines.push(value(t('diff_music_file'), a.file_id === null ? t('diff_value_none') : t('diff_value_music_file'), b.file_id === null ? t('diff_value_none') : t(other ? 'diff_value_music_file_other' : 'diff_value_music_file')));
    }
    if (a.volume !== b.volume) lines.push(value(t('delivery_volume'), percent(a.volume, lang), percent(b.volume, lang)));
    if (a.fade_in_sec !== b.fade_in_sec) lines.push(value(t('diff_music_fade_in'), seconds(a.fade_in_sec), seconds(b.fade_in_sec)));
    if (a.fade_out_sec !== b.fade_out_sec) lines.push(value(t('diff_music_fade_out'), seconds(a.fade_out_sec), seconds(b.fade_out_sec)));
    return lines;
  }

  function characterLines(a: Character[], b: Character[]): DiffLine[] {
    const lines: DiffLine[] = [];
    const before = new Map(a.map((c) => [c.id, c]));
    const afterIds = new Set(b.map((c) => c.id));
    const whole = (c: Character) => (c.description ? t('diff_sub_label', { group: c.name, field: c.description }) : c.name);
    for (const c of b) {
      const old = before.get(c.id);
      if (!old) {
        lines.push(text(t('diff_character_added'), '', whole(c)));
        continue;
      }
      if (old.name !== c.name) lines.push(text(t('diff_character_name'), old.name, c.name));
      if (old.description !== c.description) lines.push(text(t('diff_character_description', { name: c.name }), old.description, c.description));
    }
    for (const c of a) if (!afterIds.has(c.id)) lines.push(text(t('diff_character_removed'), whole(c), ''));
    // Only the order differs among the characters both have.
    const kept = (list: Character[]) =>
      list
        .filter((c) => before.has(c.id) && afterIds.has(c.id))
        .map((c) => c.id)
        .join('\n');
    if (kept(a) !== kept(b)) lines.push(text(t('diff_character_order'), a.map((c) => c.name).join(separator), b.map((c) => c.name).join(separator)));
    return lines;
  }

  function outputLines(a: OutputSettings, b: OutputSettings): DiffLine[] {
    const lines: DiffLine[] = [];
    if (a.burn_subtitles !== b.burn_subtitles) lines.push(value(t('delivery_burn'), yesNo(a.burn_subtitles), yesNo(b.burn_subtitles)));
    if (a.subtitle_scale !== b.subtitle_scale) lines.push(value(t('delivery_scale'), times(a.subtitle_scale), times(b.subtitle_scale)));
    if (a.subtitle_position !== b.subtitle_position) lines.push(value(t('delivery_position'), t(`delivery_position_${a.subtitle_position}`), t(`delivery_position_${b.subtitle_position}`)));
    if (a.narration !== b.narration) lines.push(value(t('delivery_narration'), yesNo(a.narration), yesNo(b.narration)));
    if (a.caption_card !== b.caption_card) lines.push(value(t('delivery_caption_card'), yesNo(a.caption_card), yesNo(b.caption_card)));
    return lines;
  }

  function cameraLines(a: SceneCamera, b: SceneCamera): DiffLine[] {
    const lines: DiffLine[] = [];
    if (a.shot !== b.shot) lines.push(value(sub('diff_field_camera', 'diff_camera_shot'), t(`shot_${a.shot}`), t(`shot_${b.shot}`)));
    if (a.move !== b.move) lines.push(value(sub('diff_field_camera', 'diff_camera_move'), t(`move_${a.move}`), t(`move_${b.move}`)));
    if (a.speed !== b.speed) lines.push(value(sub('diff_field_camera', 'diff_camera_speed'), times(a.speed), times(b.speed)));
    return lines;
  }

  const media = (id: string | null, other: boolean) => (id === null ? t('diff_value_none') : t(other ? 'diff_value_media_other' : 'diff_value_media'));
  const comments = (c: CommentCount) => t('diff_value_comments', { count: c.count, open: c.open });
  const position = (i: number | undefined) => t('diff_value_position', { n: (i ?? 0) + 1 });

  function sceneLines(c: SceneDiff): DiffLine[] {
    const v = c.values ?? {};
    const lines: DiffLine[] = [];
    for (const f of c.fields ?? []) {
      const label = t(`diff_field_${f}`);
      if (f === 'description' && v.description) lines.push(text(label, v.description.from, v.description.to));
      else if (f === 'subtitle' && v.subtitle) lines.push(text(label, v.subtitle.from, v.subtitle.to));
      else if (f === 'camera' && v.camera) lines.push(...cameraLines(v.camera.from, v.camera.to));
      else if (f === 'duration_sec' && v.duration_sec) lines.push(value(label, seconds(v.duration_sec.from), seconds(v.duration_sec.to)));
      else if (f === 'transition' && v.transition) lines.push(value(label, t(`transition_${v.transition.from}`), t(`transition_${v.transition.to}`)));
      else if (f === 'seed' && v.seed) lines.push(value(label, v.seed.from === null ? t('diff_value_none') : String(v.seed.from), v.seed.to === null ? t('diff_value_none') : String(v.seed.to)));
      else if (f === 'locked' && v.locked) lines.push(value(label, yesNo(v.locked.from), yesNo(v.locked.to)));
      else if (f === 'chained' && v.chained) lines.push(value(label, yesNo(v.chained.from), yesNo(v.chained.to)));
      else if (f === 'media_id' && v.media_id) {
        const other = v.media_id.from !== null && v.media_id.to !== null;
        lines.push(value(label, media(v.media_id.from, false), media(v.media_id.to, other)));
      } else if (f === 'character_ids' && v.character_ids) lines.push(text(label, v.character_ids.from.join(separator), v.character_ids.to.join(separator)));
      else if (f === 'comments' && v.comments) lines.push(value(label, comments(v.comments.from), comments(v.comments.to)));
      else if (f === 'position') lines.push(value(label, position(c.from_index), position(c.to_index)));
    }
    return lines;
  }

  const scenes: SceneEntry[] = [];
  for (const c of diff.scenes) {
    if (c.change === 'unchanged') continue;
    const scene = t('scene_label', { n: (c.to_index ?? c.from_index ?? 0) + 1 });
    const description = t('diff_field_description');
    if (c.change === 'changed') scenes.push({ id: c.id, change: c.change, scene, lines: sceneLines(c) });
    else if (c.change === 'added') scenes.push({ id: c.id, change: c.change, scene, lines: c.description ? [text(description, '', c.description)] : [] });
    else if (c.change === 'removed') scenes.push({ id: c.id, change: c.change, scene, lines: c.description ? [text(description, c.description, '')] : [] });
    else {
      const note = t('diff_scene_moved_note', { from: (c.from_index ?? 0) + 1, to: (c.to_index ?? 0) + 1 });
      scenes.push({ id: c.id, change: c.change, scene, note, lines: c.description ? [{ label: description, pieces: [{ op: 'equal', text: shortened(c.description) }] }] : [] });
    }
  }

  return { title, settings, scenes, same: !title && settings.length === 0 && scenes.length === 0 };
}

/** At most two contexts' worth of characters, "…" after a cut. */
function shortened(s: string): string {
  const chars = graphemes(s);
  return chars.length <= 2 * CONTEXT ? s : `${chars.slice(0, 2 * CONTEXT).join('')}…`;
}

function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: 2 }).format(n);
}

function percent(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { style: 'percent', maximumFractionDigits: 0 }).format(n);
}
