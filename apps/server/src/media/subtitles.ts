import { DEFAULT_CJK_FAMILY } from '@reelcraft/inference';
import type { PlannedScene, Timeline } from '@reelcraft/shared';

export type SubtitleScene = Pick<PlannedScene, 'scene_number' | 'subtitle'>;

/** Where burnt-in subtitles sit; the ASS alignment of each (numpad layout, centred). */
export const SUBTITLE_POSITIONS = { bottom: 2, middle: 5, top: 8 } as const;
export type SubtitlePosition = keyof typeof SUBTITLE_POSITIONS;

/** How burnt-in subtitles look. Sizes are output pixels; omitted values follow the video's size. */
export interface SubtitleStyle {
  /** Defaults to the CJK font's family (see findCjkFont); a family libass cannot find falls back through fontconfig. */
  fontFamily?: string;
  fontSize: number;
  outline: number;
  position: SubtitlePosition;
}

export interface SubtitleLayout {
  fontSize: number;
  outline: number;
  marginH: number;
  marginV: number;
  /** Line width budget in "em units": a CJK character counts 1, Latin text about half (see charWidth). */
  maxLineUnits: number;
  position: SubtitlePosition;
}

export interface AssOptions {
  /** Video size: becomes PlayResX/PlayResY so every size below is in output pixels. */
  width: number;
  height: number;
  fontName?: string;
  /** Only buildAssSubtitles reads it; renderAss takes the layout made from it. */
  style?: Partial<SubtitleStyle>;
}

export interface SubtitleCue {
  sceneNumber: number;
  /** Seconds on the assembled timeline, on the centisecond grid ASS can express. */
  start: number;
  end: number;
  /** Wrapped lines, unescaped. */
  lines: string[];
  /** Font size for this cue when a long text had to shrink to fit MAX_LINES; otherwise absent. */
  fontSize?: number;
}

/** More lines than this cover the picture; longer texts shrink instead, down to MIN_SHRINK. */
const MAX_LINES = 3;
const MIN_SHRINK = 0.7;
/** A glyph of Latin text in a CJK sans font is on average a bit over half an em wide. */
const LATIN_WIDTH = 0.55;

/**
 * Sizes relative to the shorter side, so portrait and landscape videos get the same visual weight.
 * 7% matches the checked FontSize=22 on libass' default 288-line canvas (22/288 ≈ 7.6%).
 */
export function subtitleLayout(width: number, height: number, style: Partial<SubtitleStyle> = {}): SubtitleLayout {
  const short = Math.min(width, height);
  const fontSize = style.fontSize ?? Math.max(12, Math.round(short * 0.07));
  if (!(Number.isFinite(fontSize) && fontSize > 0)) throw new Error(`subtitle font size must be positive, got ${fontSize}`);
  const outline = style.outline ?? Math.max(1, Math.round(fontSize * 0.08));
  if (!(Number.isFinite(outline) && outline >= 0)) throw new Error(`subtitle outline must be 0 or more, got ${outline}`);
  const position = style.position ?? 'bottom';
  if (!(position in SUBTITLE_POSITIONS)) throw new Error(`subtitle position must be one of ${Object.keys(SUBTITLE_POSITIONS).join(', ')}, got ${position}`);
  const marginH = Math.round(width * 0.05);
  // 0.95: leave slack for the outline and for our width estimate being approximate.
  const maxLineUnits = Math.max(4, Math.floor(((width - 2 * marginH) / fontSize) * 0.95));
  return { fontSize, outline, marginH, marginV: Math.round(short * 0.065), maxLineUnits, position };
}

/** Where each clip starts on the output and how long the output is: what cue times are computed from. */
type ClipPlacement = Pick<Timeline, 'starts' | 'overlaps' | 'total'>;

/**
 * Start/end of each scene on the assembled timeline. Boundaries are rounded once, cumulatively,
 * so one cue ends exactly where the next begins (rounding each duration separately would drift).
 *
 * `overlaps[i]` is how long scene i overlaps the scene before it (a crossfade or fade through
 * black; 0 or absent for a cut; overlaps[0] is ignored): the timeline is then shorter by the sum of
 * the overlaps, and the boundary between two scenes sits in the middle of their transition.
 */
export function sceneBoundaries(durations: readonly number[], overlaps: readonly number[] = []): { start: number; end: number }[] {
  return placementSpans(placeClips(durations, overlaps));
}

/** The clips laid out as planTimeline (libs/shared) lays them out, with the same arithmetic. */
function placeClips(durations: readonly number[], overlaps: readonly number[]): ClipPlacement {
  const starts: number[] = [];
  const used: number[] = [];
  let total = 0;
  durations.forEach((d, i) => {
    if (!Number.isFinite(d) || d < 0) throw new Error(`invalid clip duration: ${d}`);
    const o = i === 0 ? 0 : (overlaps[i] ?? 0);
    if (!Number.isFinite(o) || o < 0) throw new Error(`invalid transition length: ${o}`);
    starts.push(i === 0 ? 0 : total - o);
    used.push(o);
    total = starts[i]! + d;
  });
  return { starts, overlaps: used, total };
}

/** Each scene's span: from the middle of the transition into it to the middle of the one out of it. */
function placementSpans(p: ClipPlacement): { start: number; end: number }[] {
  const cuts = p.starts.slice(1).map((s, i) => s + (p.overlaps[i + 1] ?? 0) / 2);
  const edges = [0, ...cuts, p.total].map((t) => Math.round(t * 100));
  return p.starts.map((_, i) => ({ start: edges[i]! / 100, end: Math.max(edges[i]!, edges[i + 1]!) / 100 }));
}

/**
 * Scenes and clips are paired by position; a scene with a blank subtitle gets no cue. `overlaps`
 * as in sceneBoundaries: with transitions, each cue switches in the middle of its transition.
 */
export function buildCues(scenes: readonly SubtitleScene[], durations: readonly number[], layout: SubtitleLayout, overlaps: readonly number[] = []): SubtitleCue[] {
  if (scenes.length !== durations.length) {
    throw new Error(`subtitles: ${scenes.length} scenes but ${durations.length} clip durations`);
  }
  return cuesFor(scenes, sceneBoundaries(durations, overlaps), layout);
}

/**
 * The cues of a video laid out by planTimeline: the one cue list that the burnt-in ASS, the MP4's
 * mov_text track, the narration and the SRT/WebVTT files are all made from.
 */
export function timelineCues(timeline: ClipPlacement, scenes: readonly SubtitleScene[], layout: SubtitleLayout): SubtitleCue[] {
  if (scenes.length !== timeline.starts.length) {
    throw new Error(`subtitles: ${scenes.length} scenes but ${timeline.starts.length} clips on the timeline`);
  }
  return cuesFor(scenes, placementSpans(timeline), layout);
}

function cuesFor(scenes: readonly SubtitleScene[], spans: readonly { start: number; end: number }[], layout: SubtitleLayout): SubtitleCue[] {
  const cues: SubtitleCue[] = [];
  scenes.forEach((scene, i) => {
    const { start, end } = spans[i]!;
    if (scene.subtitle.trim() === '' || end <= start) return;
    cues.push({ sceneNumber: scene.scene_number, start, end, ...fitText(scene.subtitle, layout) });
  });
  return cues;
}

export interface SubtitleFiles {
  srt: string;
  vtt: string;
  cues: SubtitleCue[];
}

/**
 * SRT and WebVTT for a video, cue for cue what its subtitle track and burnt-in text show
 * (transitions included). With a size the lines are wrapped as in the video; without one, each
 * subtitle stays one line per paragraph and the player wraps it.
 */
export function buildSubtitleFiles(
  timeline: ClipPlacement,
  scenes: readonly SubtitleScene[],
  size?: { width: number; height: number; style?: Partial<SubtitleStyle> },
): SubtitleFiles {
  const layout = size ? subtitleLayout(size.width, size.height, size.style) : { ...subtitleLayout(1920, 1080), maxLineUnits: Infinity };
  const cues = timelineCues(timeline, scenes, layout);
  return { srt: renderSrt(cues), vtt: renderVtt(cues), cues };
}

/** SubRip: numbered cues, `HH:MM:SS,mmm` times. SubRip has no escapes; line breaks are the wrapper's. */
export function renderSrt(cues: readonly SubtitleCue[]): string {
  return cues.map((c, i) => `${i + 1}\n${formatCueTime(c.start, ',')} --> ${formatCueTime(c.end, ',')}\n${c.lines.map(plainCueText).join('\n')}\n\n`).join('');
}

/** WebVTT: `HH:MM:SS.mmm` times; `&`, `<` and `>` escaped as the format requires. */
export function renderVtt(cues: readonly SubtitleCue[]): string {
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = cues.map((c) => `${formatCueTime(c.start, '.')} --> ${formatCueTime(c.end, '.')}\n${c.lines.map((l) => escape(plainCueText(l))).join('\n')}\n\n`);
  return ['WEBVTT\n\n', ...body].join('');
}

/** SRT/WebVTT time, `HH:MM:SS<sep>mmm`. */
export function formatCueTime(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}${separator}${String(ms % 1000).padStart(3, '0')}`;
}

/** A cue line must not read as a cue's end (blank) or a timing line (`-->`). */
function plainCueText(line: string): string {
  return line.replace(/-->/g, '->').trim() || '\u00A0';
}

export function buildAssSubtitles(scenes: readonly SubtitleScene[], durations: readonly number[], opts: AssOptions, overlaps: readonly number[] = []): string {
  const layout = subtitleLayout(opts.width, opts.height, opts.style);
  const cues = buildCues(scenes, durations, layout, overlaps);
  return renderAss(cues, layout, opts);
}

export function renderAss(cues: readonly SubtitleCue[], layout: SubtitleLayout, opts: AssOptions): string {
  const font = (opts.fontName ?? DEFAULT_CJK_FAMILY).replace(/,/g, ' ');
  const head = [
    '[Script Info]',
    'ScriptType: v4.00+',
    `PlayResX: ${opts.width}`,
    `PlayResY: ${opts.height}`,
    // 0 = libass may still wrap at spaces if our width estimate was short; our \N breaks stay.
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    'YCbCr Matrix: None',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    // White text, black outline, no shadow, centred at the layout's position (bottom: Alignment 2).
    `Style: Default,${font},${layout.fontSize},&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,${layout.outline},0,${SUBTITLE_POSITIONS[layout.position]},${layout.marginH},${layout.marginH},${layout.marginV},1`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ];
  const events = cues.map((c) => {
    const size = c.fontSize !== undefined ? `{\\fs${c.fontSize}}` : '';
    const text = size + c.lines.map(escapeAssText).join('\\N');
    return `Dialogue: 0,${formatAssTime(c.start)},${formatAssTime(c.end)},Default,,0,0,0,,${text}`;
  });
  return [...head, ...events, ''].join('\n');
}

/** ASS time: H:MM:SS.cc (centiseconds). */
export function formatAssTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  const c = cs % 100;
  return `${h}:${pad2(m)}:${pad2(s)}.${pad2(c)}`;
}

/**
 * Makes text literal for libass: `{` `}` would open/close an override block (libass reads `\{` `\}`
 * as literal braces), and a backslash could form `\N`, `\n` or `\h`; a word joiner (U+2060, zero
 * width, no glyph) after it breaks that pairing while the backslash itself still shows.
 * Line breaks become spaces: the wrapper decides where lines break.
 */
export function escapeAssText(text: string): string {
  return text
    .replace(/\\/g, '\\\u2060')
    .replace(/[{}]/g, '\\$&')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Wraps the text at the layout's size, shrinking it (up to MIN_SHRINK) when it needs more than MAX_LINES. */
export function fitText(text: string, layout: SubtitleLayout): { lines: string[]; fontSize?: number } {
  const lines = wrapSubtitleText(text, layout.maxLineUnits);
  if (lines.length <= MAX_LINES) return { lines };
  const total = lines.reduce((sum, l) => sum + textWidth(l), 0);
  const scale = Math.max(MIN_SHRINK, Math.min(1, (layout.maxLineUnits * MAX_LINES) / (total * 1.1)));
  const fontSize = Math.round(layout.fontSize * scale);
  return { lines: wrapSubtitleText(text, Math.floor(layout.maxLineUnits / scale)), fontSize };
}

/**
 * Breaks text into lines of at most `maxUnits` (CJK character = 1 unit), balanced so two lines come
 * out about equally long rather than one full line and a short tail. Chinese has no spaces, so any
 * gap between CJK characters is a break opportunity, except before closing punctuation and after
 * opening punctuation (kinsoku rules: "，" must not start a line). Latin words are never split.
 * Explicit line breaks in the text start a new line.
 */
export function wrapSubtitleText(text: string, maxUnits: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    const clean = paragraph.replace(/\s+/g, ' ').trim();
    if (clean !== '') out.push(...wrapParagraph(clean, maxUnits));
  }
  return out;
}

interface Token {
  text: string;
  width: number;
  space: boolean;
  /** Whether a line may break just before this token. */
  breakBefore: boolean;
}

function wrapParagraph(text: string, maxUnits: number): string[] {
  const tokens = tokenize(text);
  const total = tokens.reduce((s, t) => s + t.width, 0);
  if (total <= maxUnits) return [text];
  const lineCount = Math.ceil(total / maxUnits);
  // Aim for equal lines; fall back to plain greedy filling if balancing would need an extra line.
  const balanced = fill(tokens, Math.min(maxUnits, total / lineCount + 1));
  return balanced.length <= lineCount ? balanced : fill(tokens, maxUnits);
}

function fill(tokens: readonly Token[], limit: number): string[] {
  const lines: string[] = [];
  let current: Token[] = [];
  let width = 0;
  const flush = () => {
    while (current.length > 0 && current[current.length - 1].space) current.pop();
    if (current.length > 0) lines.push(current.map((t) => t.text).join(''));
    current = [];
    width = 0;
  };
  for (const t of tokens) {
    if (current.length > 0 && t.breakBefore && width + t.width > limit && !t.space) flush();
    if (current.length === 0 && t.space) continue;
    current.push(t);
    width += t.width;
  }
  flush();
  return lines;
}

const CJK = /[\u1100-\u115F\u2E80-\u303F\u3040-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;
/** May not start a line. */
const CLOSING = /^[，。、！？；：…‥）】》〉」』〕］｝”’〗〙〛・ー～,.!?;:)\]}%]$/u;
/** May not end a line. */
const OPENING = /^[（【《〈「『〔［｛“‘〖〘〚([{]$/u;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  const pushWord = () => {
    if (word === '') return;
    tokens.push({ text: word, width: textWidth(word), space: false, breakBefore: true });
    word = '';
  };
  for (const ch of text) {
    if (ch === ' ') {
      pushWord();
      tokens.push({ text: ' ', width: LATIN_WIDTH * 0.6, space: true, breakBefore: true });
    } else if (CJK.test(ch)) {
      pushWord();
      tokens.push({ text: ch, width: 1, space: false, breakBefore: true });
    } else if (CLOSING.test(ch) && word === '' && tokens.length > 0) {
      // Punctuation after CJK text: its own token, glued to what precedes it.
      tokens.push({ text: ch, width: LATIN_WIDTH, space: false, breakBefore: true });
    } else {
      word += ch;
    }
  }
  pushWord();
  // Apply kinsoku: no break before closing punctuation, none after opening punctuation.
  for (let i = 1; i < tokens.length; i++) {
    if (CLOSING.test(tokens[i].text) || OPENING.test(tokens[i - 1].text)) tokens[i].breakBefore = false;
  }
  return tokens;
}

function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += CJK.test(ch) ? 1 : LATIN_WIDTH;
  return w;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
