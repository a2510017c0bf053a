import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { storyboardRoot } from '@reelcraft/shared';
import * as Y from 'yjs';
import { hostileJson, hostileString, toJsonText } from './arbitraries';

/**
 * Frames a hostile peer could send on /collab/<project>: the y-websocket framing
 * (0 sync: 0 step 1, 1 step 2, 2 update; 1 awareness; 3 query awareness) filled with random,
 * truncated or oversized content, awareness entries with any client id, clock and JSON state, and
 * well-formed Yjs updates made by random edits that break the storyboard's structure.
 */

export interface Frame {
  bytes: Uint8Array | string;
  /** False: sent as a text frame. */
  binary: boolean;
}

const build = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

export const syncFrame = (sub: number, payload: Uint8Array) =>
  build((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, payload);
  });

export const awarenessFrame = (inner: Uint8Array) =>
  build((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, inner);
  });

/** The awareness update layout with each state written as given (any text, JSON or not). */
export const awarenessEntries = (entries: { clientId: number; clock: number; state: string }[], count = entries.length) =>
  build((e) => {
    encoding.writeVarUint(e, count);
    for (const x of entries) {
      encoding.writeVarUint(e, x.clientId);
      encoding.writeVarUint(e, x.clock);
      encoding.writeVarString(e, x.state);
    }
  });

/** The probe the suite sends after each input: sync step 1 with an empty state vector, which the server always answers. */
export const PROBE = syncFrame(0, new Uint8Array([0]));

const bin = (bytes: Uint8Array): Frame => ({ bytes, binary: true });

/** A value a hostile edit writes into the document: any JSON value, or a nested Y type. */
type YValue = { json: unknown } | { type: 'map' | 'array' | 'text'; text: string };

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileJson().map((j) => {
    try {
      return JSON.parse(toJsonText(j)) as unknown;
    } catch {
      return toJsonText(j);
    }
  }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53 + 2, -1, 0, 1e308, 3.5),
  hostileString,
);
const yValue: fc.Arbitrary<YValue> = fc.oneof(
  { weight: 4, arbitrary: anyJson.map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('map' as const, 'array' as const, 'text' as const), fc.string({ maxLength: 10 })).map(([type, text]) => ({ type, text })) },
);

const ROOT_KEYS = ['version', 'title', 'language', 'style', 'music', 'output', 'characters', 'scenes', '__proto__', 'constructor'];
const SCENE_FIELDS = ['id', 'description', 'subtitle', 'camera', 'duration_sec', 'transition', 'seed', 'media_id', 'chained', 'locked', 'character_ids', 'comments', '__proto__'];

type Edit =
  | { k: 'root'; key: string; value: YValue | null }
  | { k: 'scene'; index: number; field: string; value: YValue | null }
  | { k: 'insert'; index: number; value: YValue }
  | { k: 'delete'; index: number; len: number }
  | { k: 'text'; index: number; field: 'description' | 'subtitle'; at: number; del: number; insert: string }
  | { k: 'comment'; index: number; author: string; text: string }
  | { k: 'nested'; index: number; field: 'camera' | 'style' | 'music'; key: string; value: YValue | null };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ k: fc.constant('root' as const), key: fc.oneof(fc.constantFrom(...ROOT_KEYS), fc.string({ maxLength: 8 })), value: fc.option(yValue) }),
  fc.record({ k: fc.constant('scene' as const), index: fc.nat(4), field: fc.oneof(fc.constantFrom(...SCENE_FIELDS), fc.string({ maxLength: 8 })), value: fc.option(yValue) }),
  fc.record({ k: fc.constant('insert' as const), index: fc.nat(4), value: yValue }),
  fc.record({ k: fc.constant('delete' as const), index: fc.nat(4), len: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('text' as const), index: fc.nat(4), field: fc.constantFrom('description' as const, 'subtitle' as const), at: fc.nat(50), del: fc.nat(10), insert: hostileString }),
  fc.record({ k: fc.constant('comment' as const), index: fc.nat(4), author: fc.oneof(fc.constantFrom('alice', 'bob', 'admin', ''), fc.string({ maxLength: 10 })), text: fc.string({ maxLength: 20 }) }),
  fc.record({ k: fc.constant('nested' as const), index: fc.nat(4), field: fc.constantFrom('camera' as const, 'style' as const, 'music' as const), key: fc.oneof(fc.constantFrom('move', 'speed', 'fps', 'width', 'volume', 'file_id', 'enabled', '__proto__'), fc.string({ maxLength: 8 })), value: fc.option(yValue) }),
);

function toY(v: YValue): unknown {
  if ('json' in v) return v.json;
  if (v.type === 'text') return new Y.Text(v.text);
  if (v.type === 'array') return Y.Array.from([v.text]);
  const m = new Y.Map<unknown>();
  m.set('x', v.text);
  return m;
}

/** Applies the edits to a copy of `base` and returns what they changed, as one Yjs update. */
export function updateFromEdits(base: Y.Doc, edits: Edit[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    const before = Y.encodeStateVector(doc);
    const root = storyboardRoot(doc);
    for (const e of edits) {
      try {
        doc.transact(() => applyEdit(root, e));
      } catch {
        // An edit Yjs itself refuses on the client (a value it cannot encode) is simply not made.
      }
    }
    return Y.encodeStateAsUpdate(doc, before);
  } finally {
    doc.destroy();
  }
}

function applyEdit(root: Y.Map<unknown>, e: Edit): void {
  const scenes = root.get('scenes');
  const scene = (i: number) => (scenes instanceof Y.Array && scenes.length ? (scenes.get(i % scenes.length) as unknown) : null);
  switch (e.k) {
    case 'root':
      if (e.value) root.set(e.key, toY(e.value));
      else root.delete(e.key);
      return;
    case 'scene': {
      const s = scene(e.index);
      if (!(s instanceof Y.Map)) return;
      if (e.value) s.set(e.field, toY(e.value));
      else s.delete(e.field);
      return;
    }
    case 'insert':
      if (scenes instanceof Y.Array) scenes.insert(Math.min(e.index, scenes.length), [toY(e.value)]);
      return;
    case 'delete':
      if (scenes instanceof Y.Array && scenes.length) {
        const at = e.index % scenes.length;
        scenes.delete(at, Math.min(e.len, scenes.length - at));
      }
      return;
    case 'text': {
      const s = scene(e.index);
      const t = s instanceof Y.Map ? s.get(e.field) : null;
      if (!(t instanceof Y.Text)) return;
      const at = Math.min(e.at, t.length);
      t.delete(at, Math.min(e.del, t.length - at));
      t.insert(at, e.insert);
      return;
    }
    case 'comment': {
      const s = scene(e.index);
      const comments = s instanceof Y.Map ? s.get('comments') : null;
      if (!(comments instanceof Y.Array)) return;
      const c = new Y.Map<unknown>();
      c.set('id', `c${Math.abs(e.text.length * 7919 + e.author.length)}x`);
      c.set('author', e.author);
      c.set('text', new Y.Text(e.text));
      c.set('created_at', '2026-01-01T00:00:00.000Z');
      c.set('resolved', false);
      comments.push([c]);
      return;
    }
    case 'nested': {
      const holder = e.field === 'camera' ? scene(e.index) : root;
      const m = holder instanceof Y.Map ? holder.get(e.field) : null;
      if (!(m instanceof Y.Map)) return;
      if (e.value) m.set(e.key, toY(e.value));
      else m.delete(e.key);
      return;
    }
  }
}

/** Awareness states: JSON objects of any shape (a `user` that claims to be someone else), other JSON, or text that is not JSON. */
const awarenessState: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({ user: fc.record({ name: fc.string({ maxLength: 12 }), colour: fc.constantFrom('#fff', '#123456', 'red', 'url(http://x)', ''), id: fc.constantFrom('alice', 'bob', '', 'x') }), cursor: fc.option(fc.record({ anchor: fc.nat(), head: fc.integer() })), focus: fc.option(fc.string({ maxLength: 12 })) })
      .map((s) => JSON.stringify(s)),
  },
  { weight: 2, arbitrary: fc.record({ user: fc.record({ name: hostileString, colour: fc.oneof(fc.constantFrom('#fff', '#123456', 'red', 'url(http://x)', '#zzzzzz'), hostileString), id: fc.string({ maxLength: 8 }) }), cursor: anyJson }).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: hostileJson(['user', 'cursor', 'focus']).map(toJsonText) },
  { weight: 1, arbitrary: fc.constantFrom('null', '{}', '[]', '"x"', '1', 'true', '{"__proto__":{"admin":true}}', '{"user":null}', '{"user":"bob"}', '{"user":{"colour":{"toString":1}}}', '', '{', 'undefined') },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => JSON.stringify({ user: { name: 'x' }, pad: 'p'.repeat(n) })) },
);
const clientId = fc.oneof(fc.nat(10), fc.integer({ min: 0, max: 2 ** 32 }), fc.constantFrom(0, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1));
const clock = fc.oneof(fc.nat(5), fc.constantFrom(0, 2 ** 31, 2 ** 53 - 1));

/** Every kind of /collab input, each one to three frames, given the document the peer has synced. */
export function collabInput(base: Y.Doc): fc.Arbitrary<{ kind: string; frames: Frame[] }> {
  const realUpdate = Y.encodeStateAsUpdate(base);
  const realStateVector = Y.encodeStateVector(base);
  const validFrames = [syncFrame(0, realStateVector), syncFrame(1, realUpdate), syncFrame(2, realUpdate), awarenessFrame(awarenessEntries([{ clientId: 7, clock: 1, state: '{"user":{}}' }])), new Uint8Array([3])];
  const one = (kind: string, frame: fc.Arbitrary<Frame>) => frame.map((f) => ({ kind, frames: [f] }));
  return fc.oneof(
    one('random bytes', fc.uint8Array({ maxLength: 300 }).map(bin)),
    one('random after a valid type', fc.tuple(fc.constantFrom(0, 1, 3, 2, 4, 127, 128), fc.constantFrom(0, 1, 2, 3, 200), fc.uint8Array({ maxLength: 200 })).map(([t, s, rest]) => bin(new Uint8Array([t, s, ...rest])))),
    one('truncated message', fc.tuple(fc.constantFrom(...validFrames), fc.nat()).map(([f, n]) => bin(f.slice(0, n % Math.max(1, f.length))))),
    one('trailing bytes', fc.tuple(fc.constantFrom(...validFrames), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([f, extra]) => bin(new Uint8Array([...f, ...extra])))),
    one('sync step 1, random state vector', fc.uint8Array({ maxLength: 64 }).map((p) => bin(syncFrame(0, p)))),
    one('sync step 2 / update, random payload', fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 200 })).map(([s, p]) => bin(syncFrame(s, p)))),
    one(
      'update with flipped bytes',
      fc.tuple(fc.constantFrom(1, 2), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([s, flips]) => {
        const u = realUpdate.slice();
        for (const [at, b] of flips) u[at % u.length] = b;
        return bin(syncFrame(s, u));
      }),
    ),
    { weight: 4, arbitrary: one('structure-breaking update', fc.tuple(fc.constantFrom(1, 2), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([s, edits]) => bin(syncFrame(s, updateFromEdits(base, edits))))) },
    {
      weight: 4,
      arbitrary: one(
        'awareness entries',
        fc.tuple(fc.array(fc.record({ clientId, clock, state: awarenessState }), { maxLength: 3 }), fc.option(fc.nat(10), { freq: 6 })).map(([entries, count]) => bin(awarenessFrame(awarenessEntries(entries, count ?? entries.length)))),
      ),
    },
    one('awareness random bytes', fc.uint8Array({ maxLength: 200 }).map((p) => bin(awarenessFrame(p)))),
    one('oversized frame', fc.constantFrom(16 * 1024 + 10, 2 * 1024 * 1024 + 1, 4 * 1024 * 1024 + 1).map((n) => bin(syncFrame(2, new Uint8Array(n))))),
    one('oversized awareness', fc.constantFrom(16 * 1024 + 1, 100_000).map((n) => bin(awarenessFrame(awarenessEntries([{ clientId: 1, clock: 1, state: JSON.stringify({ pad: 'x'.repeat(n) }) }]))))),
    one('text frame', fc.string({ maxLength: 50 }).map((s) => ({ bytes: s, binary: false }))),
    fc.tuple(fc.constantFrom(...validFrames), fc.integer({ min: 300, max: 450 })).map(([f, n]) => ({ kind: 'flood', frames: Array.from({ length: n }, () => bin(f)) })),
    fc.array(fc.oneof(fc.constantFrom(...validFrames).map(bin), fc.uint8Array({ maxLength: 40 }).map(bin)), { minLength: 2, maxLength: 3 }).map((frames) => ({ kind: 'sequence', frames })),
  );
}
