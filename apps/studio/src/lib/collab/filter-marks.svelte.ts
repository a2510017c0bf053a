/**
 * The content filter's hits in the open storyboard, as marks the editor draws: the latest
 * `filter:hits` (all hits; an empty list once clean), anchored when they arrive (hit-anchors.ts)
 * and resolved against the document on every change, so a mark follows its characters while
 * people type and disappears when they are gone. Hits for fields this document does not have
 * are ignored.
 */
import { storyboardRoot, type DocumentFilterHit } from '@reelcraft/shared';
import type * as Y from 'yjs';
import { fieldKey } from './filter-hits';
import { EditLog, NO_MARKS, anchorHit, fieldSource, resolveAll, type FieldMarkSet, type HitAnchor, type PlacedMark } from './hit-anchors';
import type { StoryboardSession } from './storyboard-session.svelte';

/**
 * Edits seen this long before an answer arrives were not in the text the server read (it waits
 * 0.8 s after the last edit it received; the rest is left for the network round trip).
 */
const UNREAD_EDITS_MS = 700;

export class FilterMarks {
  #session = $state.raw<StoryboardSession | null>(null);
  #anchors = $state.raw<HitAnchor[]>([]);
  /** Hits that arrived before the document was loaded: anchored once it is. */
  #pending: DocumentFilterHit[] | null = null;
  #log = new EditLog(UNREAD_EDITS_MS);
  #detach: (() => void) | null = null;

  readonly #resolved = $derived.by(() => {
    const session = this.#session;
    // The view changes with every change of the document: marks are resolved again each time.
    return session?.view ? resolveAll(this.#anchors, session.doc) : NO_MARKS;
  });

  /** The marks of one field (undefined: none). */
  field(sceneId: string | null, field: string): FieldMarkSet | undefined {
    return this.#resolved.byField.get(fieldKey(sceneId, field));
  }

  /** Every mark of a scene, or (null) of the storyboard's own fields: title, style prompt, characters. */
  placed(sceneId: string | null): PlacedMark[] {
    return this.#resolved.byScene.get(sceneId ?? '') ?? [];
  }

  /** Follows this session's document (the page opens a new one when the user's role changes). */
  attach(session: StoryboardSession | null): void {
    this.#detach?.();
    this.#detach = null;
    this.#session = session;
    if (!session) return;
    const root = storyboardRoot(session.doc);
    // Only edits after the first sync: loading the document is not an edit the server missed.
    const record = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
      if (session.loaded) this.#log.record(events);
    };
    const onSync = (synced: boolean) => {
      if (!synced || !this.#pending) return;
      const hits = this.#pending;
      this.#pending = null;
      this.#anchors = this.#anchor(session, hits, false);
    };
    root.observeDeep(record);
    session.provider.on('sync', onSync);
    if (session.loaded) onSync(true);
    this.#detach = () => {
      root.unobserveDeep(record);
      session.provider.off('sync', onSync);
    };
  }

  /** The server's latest hits (all of them): they replace the marks. */
  receive(hits: DocumentFilterHit[]): void {
    const session = this.#session;
    if (session?.loaded) {
      this.#pending = null;
      this.#anchors = this.#anchor(session, hits, true);
    } else {
      this.#pending = hits;
      this.#anchors = [];
    }
  }

  #anchor(session: StoryboardSession, hits: DocumentFilterHit[], carryRecentEdits: boolean): HitAnchor[] {
    const out: HitAnchor[] = [];
    for (const hit of hits) {
      const source = fieldSource(session.doc, hit.scene_id, hit.field);
      const anchor = source && anchorHit(hit, source, carryRecentEdits ? this.#log.recent(source) : []);
      if (anchor) out.push(anchor);
    }
    return out;
  }
}
