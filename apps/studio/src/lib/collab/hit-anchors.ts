/**
 * Keeps the content filter's hits on the characters they flagged while people go on typing.
 *
 * The server reads the storyboard a moment (0.8 s) after the last edit it received and answers with
 * UTF-16 offsets into the text as it read it. When the answer arrives, each hit is anchored to its
 * field: its offsets are carried over the edits made since the server read the text (the ones in
 * the last `windowMs`; see EditLog), and, for a Y.Text, turned into Yjs relative positions that
 * follow the characters through everyone's edits. When the editor draws, an anchor is turned back
 * into offsets and kept only if those offsets still hold the text that was flagged: a mark is
 * dropped rather than put on the wrong characters.
 */
import * as Y from 'yjs';
import { hasStoryboard, sceneMapById, storyboardRoot, type DocumentFilterHit } from '@reelcraft/shared';
import { fieldKey, parseField } from './filter-hits';
import { diffText, type DeltaOp } from './text-diff';
import { fitSpan, mapSpanBetween, rebaseSpan, spliceDelta, type MarkSpan } from './text-marks';

/** A field's text now, and what holds it (for the edit log and relative positions). */
export interface FieldSource {
  text: string;
  /** The live Y.Text of a free-text field; null for a plain string (title, style prompt, a character's name). */
  ytext: Y.Text | null;
  /** The map holding a plain string, and its key. */
  holder: Y.Map<unknown> | null;
  key: string;
}

const firstWithId = (list: unknown, id: string): Y.Map<unknown> | null => {
  if (!(list instanceof Y.Array)) return null;
  const found = list.toArray().find((m) => m instanceof Y.Map && m.get('id') === id);
  return found instanceof Y.Map ? (found as Y.Map<unknown>) : null;
};

function textIn(map: Y.Map<unknown> | null, key: string): FieldSource | null {
  const v = map?.get(key);
  if (v instanceof Y.Text) return { text: v.toString(), ytext: v, holder: null, key };
  if (map && (typeof v === 'string' || v === undefined)) return { text: v ?? '', ytext: null, holder: map, key };
  return null;
}

/** The field a hit names in this document (first copy of a scene, comment or character, as readers see it), or null. */
export function fieldSource(doc: Y.Doc, sceneId: string | null, field: string): FieldSource | null {
  const ref = parseField(sceneId, field);
  if (!ref || !hasStoryboard(doc)) return null;
  const root = storyboardRoot(doc);
  switch (ref.kind) {
    case 'scene':
      return textIn(sceneMapById(doc, ref.sceneId), ref.field);
    case 'comment':
      return textIn(firstWithId(sceneMapById(doc, ref.sceneId)?.get('comments'), ref.commentId), 'text');
    case 'storyboard': {
      const style = root.get('style');
      return textIn(ref.field === 'title' ? root : style instanceof Y.Map ? (style as Y.Map<unknown>) : null, ref.field);
    }
    case 'character':
      return textIn(firstWithId(root.get('characters'), ref.characterId), ref.field);
  }
}

/**
 * The storyboard's recent text edits, by field, for `windowMs`. The server screens only after
 * 0.8 s without any edit reaching it, so an edit seen here less than that before its answer
 * arrives (network round trip included) was not in the text it read, and one seen earlier was.
 * Feed it every event of the storyboard (`observeDeep` on its root).
 */
export class EditLog {
  readonly #edits = new WeakMap<object, Map<string, { at: number; delta: DeltaOp[] }[]>>();

  constructor(
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call inside the observer: Yjs computes an event's changes only while it is being delivered. */
  record(events: readonly Y.YEvent<Y.AbstractType<unknown>>[]): void {
    const at = this.now();
    for (const event of events) {
      if (event.target instanceof Y.Text) {
        this.#push(event.target, '', at, (event as Y.YTextEvent).delta as DeltaOp[]);
      } else if (event.target instanceof Y.Map) {
        const map = event.target as Y.Map<unknown>;
        for (const [key, change] of event.changes.keys) {
          const before: unknown = change.oldValue;
          const after: unknown = map.get(key);
          if ((before !== undefined && typeof before !== 'string') || (after !== undefined && typeof after !== 'string')) continue;
          const splice = diffText(before ?? '', after ?? '');
          if (splice) this.#push(map, key, at, spliceDelta(splice));
        }
      }
    }
  }

  /** The field's edits within the window, oldest first. */
  recent(source: FieldSource): DeltaOp[][] {
    const owner = source.ytext ?? source.holder;
    const list = owner ? this.#edits.get(owner)?.get(source.ytext ? '' : source.key) : undefined;
    const since = this.now() - this.windowMs;
    return list ? list.filter((e) => e.at > since).map((e) => e.delta) : [];
  }

  #push(owner: object, key: string, at: number, delta: DeltaOp[]): void {
    let byKey = this.#edits.get(owner);
    if (!byKey) this.#edits.set(owner, (byKey = new Map()));
    const since = at - this.windowMs;
    byKey.set(key, [...(byKey.get(key) ?? []).filter((e) => e.at > since), { at, delta }]);
  }
}

export interface HitAnchor {
  hit: DocumentFilterHit;
  key: string;
  /** The field's text when the hit was anchored, the span in it, and the characters it flagged. */
  snapshot: string;
  start: number;
  end: number;
  expected: string;
  /** For a Y.Text: the span's first and last characters, wherever edits move them. */
  rel: { start: Y.RelativePosition; end: Y.RelativePosition } | null;
}

/**
 * Anchors a hit in its field as it is now; `recent` are the field's edits the server had not read
 * (EditLog.recent). Null when the field is gone or those edits touched the flagged characters.
 */
export function anchorHit(hit: DocumentFilterHit, source: FieldSource, recent: readonly DeltaOp[][] = []): HitAnchor | null {
  let span: { start: number; end: number } | null = { start: hit.start, end: hit.end };
  for (const delta of recent) if (span) span = rebaseSpan(span, delta);
  // The server's offsets must fit the text it read; past the end, this is not that text.
  if (!span || span.start < 0 || span.end > source.text.length) return null;
  span = fitSpan(span, source.text);
  if (!span) return null;
  const { start, end } = span;
  const rel = source.ytext ? { start: Y.createRelativePositionFromTypeIndex(source.ytext, start, 0), end: Y.createRelativePositionFromTypeIndex(source.ytext, end, -1) } : null;
  return { hit, key: fieldKey(hit.scene_id, hit.field), snapshot: source.text, start, end, expected: source.text.slice(start, end), rel };
}

/**
 * Where an anchored hit is in its field now, or null when its characters are gone or changed. A
 * Y.Text's relative positions are tried first; otherwise (a plain string, or a Y.Text replaced by a
 * copy when its scene moved) the span is carried over the difference from the anchored text.
 */
export function resolveAnchor(anchor: HitAnchor, source: FieldSource, doc: Y.Doc): MarkSpan | null {
  const holds = (start: number, end: number) => source.text.slice(start, end) === anchor.expected;
  const mark = (start: number, end: number): MarkSpan => ({ start, end, action: anchor.hit.action, category: anchor.hit.category });
  if (anchor.rel && source.ytext) {
    const start = Y.createAbsolutePositionFromRelativePosition(anchor.rel.start, doc);
    const end = Y.createAbsolutePositionFromRelativePosition(anchor.rel.end, doc);
    if (start?.type === source.ytext && end?.type === source.ytext && holds(start.index, end.index)) return mark(start.index, end.index);
  }
  const mapped = mapSpanBetween({ start: anchor.start, end: anchor.end }, anchor.snapshot, source.text);
  return mapped && holds(mapped.start, mapped.end) ? mark(mapped.start, mapped.end) : null;
}

/** A field's marks and the text their offsets refer to. */
export interface FieldMarkSet {
  text: string;
  marks: MarkSpan[];
}

/** A mark with the field it is in, for counts per scene. */
export type PlacedMark = MarkSpan & { field: string };

export interface ResolvedMarks {
  /** By field key (fieldKey). */
  byField: ReadonlyMap<string, FieldMarkSet>;
  /** By scene id; the storyboard's own fields (title, style prompt, characters) under ''. */
  byScene: ReadonlyMap<string, PlacedMark[]>;
}

export const NO_MARKS: ResolvedMarks = { byField: new Map(), byScene: new Map() };

/** Every anchored hit that still holds its characters, where it is now. */
export function resolveAll(anchors: readonly HitAnchor[], doc: Y.Doc): ResolvedMarks {
  const byField = new Map<string, FieldMarkSet>();
  const byScene = new Map<string, PlacedMark[]>();
  for (const anchor of anchors) {
    const { scene_id, field } = anchor.hit;
    const source = fieldSource(doc, scene_id, field);
    const mark = source && resolveAnchor(anchor, source, doc);
    if (!source || !mark) continue;
    const set = byField.get(anchor.key) ?? { text: source.text, marks: [] };
    set.marks.push(mark);
    byField.set(anchor.key, set);
    const scene = scene_id ?? '';
    byScene.set(scene, [...(byScene.get(scene) ?? []), { ...mark, field }]);
  }
  return { byField, byScene };
}
