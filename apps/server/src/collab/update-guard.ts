import { readStoryboard, type Storyboard } from '@reelcraft/shared';
import * as Y from 'yjs';

type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * What a peer's update may not do to the storyboard, beyond being well-formed Yjs:
 *
 * - leave the document without a readable storyboard (replacing `scenes` with a string, say,
 *   after which the REST snapshot answers 404 and renders are refused);
 * - write a comment under another user's name, or change who wrote an existing one.
 *
 * Both can only happen through changes to maps and arrays. Typing into a Y.Text, which is
 * nearly every update, is recognised from the update's own structs in time proportional to the
 * update and passes at once; anything else is tried on a scratch copy of the document and the
 * storyboard read back before and after. Those updates are clicks (add a scene, set a duration,
 * post a comment), not keystrokes, so the copy is affordable there.
 */
export class UpdateGuard {
  /** The document plus the updates already accepted in this batch, built only when needed. */
  private scratch: Y.Doc | null = null;
  private readonly acceptedInBatch: Uint8Array[] = [];
  /**
   * The text items of this batch's keystroke updates, by client: not in the document until the
   * batch is stored, yet the next keystroke of the same run names them as its neighbour.
   */
  private readonly batchText = new Map<number, Y.Item[]>();
  private copies = 0;

  constructor(private readonly doc: Y.Doc) {}

  /** Null when the update may be stored; otherwise why not, for the close reason. */
  check(update: Uint8Array, decoded: DecodedUpdate, authorName: string): string | null {
    if (!this.needsReading(decoded)) {
      this.accepted(update);
      for (const s of decoded.structs) if (s instanceof Y.Item) listOf(this.batchText, s.id.client).push(s);
      return null;
    }
    const scratch = this.scratchDoc();
    const before = readStoryboard(scratch);
    try {
      Y.applyUpdate(scratch, update);
    } catch (err) {
      this.dropScratch();
      return `update rejected by Yjs: ${(err as Error).message}`;
    }
    const after = readStoryboard(scratch);
    const refusal =
      before.ok && !after.ok
        ? `the edit would break the storyboard (${after.issues[0]?.path || 'root'}: ${after.issues[0]?.message ?? 'unreadable'})`
        : after.ok
          ? forgedComment(before.ok ? before.value : null, after.value, authorName)
          : null;
    if (refusal) {
      // The scratch copy now holds the refused update: rebuild it for the next one.
      this.dropScratch();
      return refusal;
    }
    this.acceptedInBatch.push(update);
    return null;
  }

  /** Ends a batch: the next check starts from the document as it then is. */
  reset(): void {
    this.dropScratch();
    this.acceptedInBatch.length = 0;
    this.batchText.clear();
  }

  /** How many scratch copies of the document checks have built: the cost the fast path avoids. */
  get scratchCopies(): number {
    return this.copies;
  }

  private dropScratch(): void {
    this.scratch?.destroy();
    this.scratch = null;
  }

  private accepted(update: Uint8Array): void {
    this.acceptedInBatch.push(update);
    if (this.scratch) Y.applyUpdate(this.scratch, update);
  }

  private scratchDoc(): Y.Doc {
    if (this.scratch) return this.scratch;
    const copy = new Y.Doc();
    this.copies++;
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
    for (const u of this.acceptedInBatch) Y.applyUpdate(copy, u);
    this.scratch = copy;
    return copy;
  }

  /**
   * False when every insertion is text into an existing Y.Text and every deletion removes such
   * text: the only updates that cannot touch the structure or a comment's author.
   */
  private needsReading({ structs, ds }: DecodedUpdate): boolean {
    const store = this.doc.store;
    // Parked structs could be integrated by this update: let the copy show what really happens.
    if (store.pendingStructs || store.pendingDs) return true;
    const own = new Map<number, Y.Item[]>();
    for (const s of structs) if (s instanceof Y.Item) listOf(own, s.id.client).push(s);
    for (const s of structs) {
      if (s instanceof Y.Skip || s instanceof Y.GC) continue;
      const item = s as Y.Item;
      if (!isTextContent(item.content)) return true;
      if (!this.isInText(item, own, 0)) return true;
    }
    for (const [client, ranges] of ds.clients) {
      const known = Y.getState(store, client);
      for (const { clock, len } of ranges) {
        if (clock + len > known) {
          // Deleting what was typed earlier in this batch (a quick backspace) is still typing.
          if (clock >= known && coveredBy(this.batchText.get(client), clock, len)) continue;
          return true;
        }
        for (let at = clock; at < clock + len; ) {
          const struct = Y.getItem(store, Y.createID(client, at));
          if (!(struct instanceof Y.Item) || !(struct.parent instanceof Y.Text) || !isTextContent(struct.content)) return true;
          at = struct.id.clock + struct.length;
        }
      }
    }
    return false;
  }

  /**
   * Whether the item is placed inside an existing Y.Text. An encoded item names its parent only
   * when it has no neighbour; otherwise the parent is its neighbour's, found in the document or,
   * for a run of typing, earlier in the same update.
   */
  private isInText(item: Y.Item, own: Map<number, Y.Item[]>, depth: number): boolean {
    if (depth > 10_000) return false;
    if (item.parent instanceof Y.ID) return this.isTextType(item.parent);
    if (item.parent !== null || item.parentSub !== null) return false;
    const ref = item.origin ?? item.rightOrigin;
    if (!ref) return false;
    if (ref.clock < Y.getState(this.doc.store, ref.client)) {
      const neighbour = Y.getItem(this.doc.store, ref);
      return neighbour instanceof Y.Item && neighbour.parent instanceof Y.Text && neighbour.parentSub === null;
    }
    const inUpdate = own.get(ref.client)?.find((i) => holds(i, ref.clock));
    if (inUpdate) return inUpdate !== item && this.isInText(inUpdate, own, depth + 1);
    // Typed earlier in this batch: already known to sit in a Y.Text.
    return !!this.batchText.get(ref.client)?.some((i) => holds(i, ref.clock));
  }

  private isTextType(id: Y.ID): boolean {
    if (id.clock >= Y.getState(this.doc.store, id.client)) return false;
    const parent = Y.getItem(this.doc.store, id);
    return parent instanceof Y.Item && parent.content instanceof Y.ContentType && parent.content.type instanceof Y.Text;
  }
}

const listOf = <K, V>(map: Map<K, V[]>, key: K): V[] => {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
};

const holds = (item: Y.Item, clock: number): boolean => item.id.clock <= clock && clock < item.id.clock + item.length;

/** Whether the clock range [clock, clock + len) lies wholly inside the given items. */
function coveredBy(items: Y.Item[] | undefined, clock: number, len: number): boolean {
  if (!items) return false;
  for (let at = clock; at < clock + len; ) {
    const item = items.find((i) => holds(i, at));
    if (!item) return false;
    at = item.id.clock + item.length;
  }
  return true;
}

const isTextContent = (c: unknown): boolean => c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentDeleted;

/** A comment that is new (or whose author changed) and does not carry the editor's own name. */
function forgedComment(before: Storyboard | null, after: Storyboard, authorName: string): string | null {
  const authorBefore = new Map<string, string>();
  for (const scene of before?.scenes ?? []) for (const c of scene.comments) authorBefore.set(c.id, c.author);
  for (const scene of after.scenes) {
    for (const c of scene.comments) {
      const was = authorBefore.get(c.id);
      if (was === c.author) continue;
      if (was !== undefined) return `the author of a comment cannot be changed (comment ${c.id})`;
      if (c.author !== authorName) return `a comment must be written under your own name, not "${c.author}"`;
    }
  }
  return null;
}
