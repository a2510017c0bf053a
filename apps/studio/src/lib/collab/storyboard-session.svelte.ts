/**
 * One open storyboard: a Y.Doc kept in step with the server's copy over y-websocket
 * (/collab/<projectId>), presence through the provider's awareness, and a per-user undo stack.
 *
 * Offline: y-websocket keeps every local edit in the Y.Doc while the socket is down and sends it
 * in the sync handshake when it reconnects, where it merges with what others did meanwhile (no
 * IndexedDB: closing the tab while offline loses those edits, which the indicator says).
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import {
  COLLAB_CLOSE,
  DEFAULT_STYLE,
  LIMITS,
  appendScene,
  deleteScene,
  duplicateScene,
  hasStoryboard,
  moveScene,
  newId,
  newScene,
  sceneIndexOf,
  shouldReconnect,
  storyboardRoot,
  updateSceneField,
  type Aspect,
  type SceneCamera,
  type SceneField,
  type StoryboardScene,
  type StoryboardStyle,
  type Transition,
} from '@reelcraft/shared';
import { colourFor } from './colour';
import { groupPresence, type EditableField, type PresenceGroups, type PresenceState } from './presence';

export type ConnectionState = 'connecting' | 'syncing' | 'online' | 'offline' | 'closed';

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
  comments: CommentView[];
}

export interface StoryboardView {
  title: string;
  language: 'zh' | 'en';
  style: StoryboardStyle;
  scenes: SceneView[];
}

/** The width and height each aspect preset renders at (the server's default size is 640×360). */
export const ASPECT_SIZES: Record<Aspect, { width: number; height: number }> = {
  '16:9': { width: 640, height: 360 },
  '9:16': { width: 360, height: 640 },
  '1:1': { width: 480, height: 480 },
  '4:3': { width: 480, height: 360 },
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
    scenes.push({
      id,
      description: asString(m.get('description')),
      subtitle: asString(m.get('subtitle')),
      camera: { shot: cam.shot ?? 'medium', move: cam.move ?? 'static', speed: asNumber(cam.speed, 1) },
      duration_sec: asNumber(m.get('duration_sec'), 4),
      transition: (m.get('transition') as Transition) ?? 'cut',
      ...(typeof seed === 'number' ? { seed } : {}),
      locked: m.get('locked') === true,
      comments: commentList,
    });
  });
  const language = root.get('language') === 'zh' ? 'zh' : 'en';
  return { title: asString(root.get('title')), language, style, scenes };
}

/** The live Y.Map of a scene by id (the first copy, as readers see it). */
export function sceneMapById(doc: Y.Doc, sceneId: string): Y.Map<unknown> | null {
  if (!hasStoryboard(doc)) return null;
  const scenes = storyboardRoot(doc).get('scenes') as Y.Array<unknown>;
  for (let i = 0; i < scenes.length; i++) {
    const m = scenes.get(i);
    if (m instanceof Y.Map && m.get('id') === sceneId) return m as Y.Map<unknown>;
  }
  return null;
}

export interface SessionOptions {
  projectId: string;
  username: string;
  token: string | null;
  readOnly: boolean;
  /** ws(s)://host — defaults to the page's own origin. */
  origin?: string;
}

export class StoryboardSession {
  readonly doc = new Y.Doc();
  /** Tags this tab's transactions; the undo manager tracks nothing else. */
  readonly localOrigin = { studio: 'local-edit' };
  readonly provider: WebsocketProvider;
  readonly undoManager: Y.UndoManager;
  readonly username: string;
  readonly colour: string;
  readonly readOnly: boolean;

  view = $state.raw<StoryboardView | null>(null);
  connection = $state<ConnectionState>('connecting');
  /** True once the first sync with the server completed. */
  loaded = $state(false);
  /** Local edits made while not online (merged on reconnect). */
  pendingOffline = $state(false);
  /** Close code of a refusal the server means (4401, 4403, 4404, 4405…), once reconnecting stopped. */
  closedCode = $state<number | null>(null);
  presence = $state.raw<PresenceGroups>({ people: [], editingByScene: new Map() });
  canUndo = $state(false);
  canRedo = $state(false);

  #disposed = false;
  #online = true;

  constructor(opts: SessionOptions) {
    this.username = opts.username;
    this.colour = colourFor(opts.username);
    this.readOnly = opts.readOnly;
    const base = opts.origin ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    this.provider = new WebsocketProvider(`${base}/collab`, opts.projectId, this.doc, {
      params: opts.token ? { token: opts.token } : {},
      disableBc: true,
      shouldReconnect: (event: CloseEvent) => shouldReconnect(event.code),
    });
    this.undoManager = new Y.UndoManager(storyboardRoot(this.doc), { trackedOrigins: new Set([this.localOrigin]), captureTimeout: 400 });

    this.doc.on('update', this.#onUpdate);
    this.provider.on('status', this.#onStatus);
    this.provider.on('sync', this.#onSync);
    this.provider.on('closed', this.#onClosed);
    this.provider.awareness.on('change', this.#onAwareness);
    const refreshUndo = () => {
      this.canUndo = this.undoManager.canUndo();
      this.canRedo = this.undoManager.canRedo();
    };
    this.undoManager.on('stack-item-added', refreshUndo);
    this.undoManager.on('stack-item-popped', refreshUndo);
    this.undoManager.on('stack-cleared', refreshUndo);
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.#onNetwork);
      window.addEventListener('offline', this.#onNetwork);
      this.#online = navigator.onLine !== false;
    }
    this.provider.awareness.setLocalState({ user: { name: this.username, colour: this.colour }, editing: null } satisfies PresenceState);
    this.#onAwareness();
  }

  destroy(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.#onNetwork);
      window.removeEventListener('offline', this.#onNetwork);
    }
    this.undoManager.destroy();
    this.provider.awareness.setLocalState(null);
    this.provider.destroy();
    this.doc.destroy();
  }

  // --- connection ------------------------------------------------------------------------------

  #onUpdate = (_update: Uint8Array, origin: unknown) => {
    this.view = viewOf(this.doc);
    if (origin !== this.provider && this.connection !== 'online') this.pendingOffline = true;
  };

  #onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }) => {
    if (status === 'connected') this.connection = this.provider.synced ? 'online' : 'syncing';
    else if (status === 'connecting') this.connection = this.loaded ? 'offline' : 'connecting';
    else this.connection = this.closedCode !== null ? 'closed' : 'offline';
  };

  #onSync = (synced: boolean) => {
    if (synced) {
      this.loaded = true;
      this.view = viewOf(this.doc);
      this.pendingOffline = false;
      this.connection = 'online';
    } else if (this.provider.wsconnected) this.connection = 'syncing';
  };

  #onClosed = (close: { code: number; reason: string } | null) => {
    if (!close) return;
    this.closedCode = close.code;
    this.connection = 'closed';
  };

  #onNetwork = () => {
    const online = navigator.onLine !== false;
    if (online === this.#online) return;
    this.#online = online;
    if (!online) {
      this.connection = 'offline';
    } else if (!this.provider.wsconnected && this.closedCode === null) {
      this.provider.connect();
    }
  };

  /** Try again now (after a refusal that may have been temporary, or a long back-off). */
  reconnect(): void {
    this.closedCode = null;
    this.provider.disconnect();
    this.provider.connect();
  }

  get closedForGood(): boolean {
    const c = this.closedCode;
    return c === COLLAB_CLOSE.UNAUTHENTICATED || c === COLLAB_CLOSE.FORBIDDEN || c === COLLAB_CLOSE.NOT_FOUND;
  }

  // --- presence --------------------------------------------------------------------------------

  #onAwareness = () => {
    this.presence = groupPresence(this.provider.awareness.getStates() as Map<number, PresenceState>, this.doc.clientID);
  };

  /** Tells the others which field of which scene this tab is in (null: none). */
  setEditing(sceneId: string | null, field?: EditableField): void {
    const current = this.provider.awareness.getLocalState() as PresenceState | null;
    const next = sceneId ? { sceneId, field: field ?? 'description' } : null;
    if (JSON.stringify(current?.editing ?? null) === JSON.stringify(next)) return;
    this.provider.awareness.setLocalStateField('editing', next);
  }

  // --- editing ---------------------------------------------------------------------------------

  #edit(fn: () => void): void {
    if (this.readOnly || !hasStoryboard(this.doc)) return;
    this.doc.transact(fn, this.localOrigin);
  }

  setTitle(title: string): void {
    const value = title.slice(0, LIMITS.storyboard.title.max);
    this.#edit(() => {
      const root = storyboardRoot(this.doc);
      if (root.get('title') !== value) root.set('title', value);
    });
  }

  setStyle<K extends keyof StoryboardStyle>(key: K, value: StoryboardStyle[K]): void {
    this.#edit(() => {
      const root = storyboardRoot(this.doc);
      let style = root.get('style');
      if (!(style instanceof Y.Map)) style = root.set('style', new Y.Map<unknown>());
      const map = style as Y.Map<unknown>;
      if (map.get(key) !== value) map.set(key, value);
      if (key === 'aspect') {
        const size = ASPECT_SIZES[value as Aspect];
        if (size) {
          map.set('width', size.width);
          map.set('height', size.height);
        }
      }
    });
  }

  sceneText(sceneId: string, field: 'description' | 'subtitle'): Y.Text | null {
    const t = sceneMapById(this.doc, sceneId)?.get(field);
    return t instanceof Y.Text ? t : null;
  }

  setSceneField<K extends SceneField>(sceneId: string, field: K, value: StoryboardScene[K]): void {
    if (this.readOnly) return;
    const index = sceneIndexOf(this.doc, sceneId);
    if (index < 0) return;
    updateSceneField(this.doc, index, field, value, this.localOrigin);
  }

  addScene(): string | null {
    if (this.readOnly || !hasStoryboard(this.doc)) return null;
    if ((this.view?.scenes.length ?? 0) >= LIMITS.storyboard.scenes.max) return null;
    const scene = newScene();
    appendScene(this.doc, scene, this.localOrigin);
    return scene.id;
  }

  duplicateScene(sceneId: string): string | null {
    if (this.readOnly) return null;
    const index = sceneIndexOf(this.doc, sceneId);
    if (index < 0 || (this.view?.scenes.length ?? 0) >= LIMITS.storyboard.scenes.max) return null;
    return duplicateScene(this.doc, index, this.localOrigin);
  }

  deleteScene(sceneId: string): void {
    if (this.readOnly) return;
    const index = sceneIndexOf(this.doc, sceneId);
    if (index >= 0) deleteScene(this.doc, index, this.localOrigin);
  }

  /** Moves a scene to visible position `to` (clamped). */
  moveScene(sceneId: string, to: number): void {
    if (this.readOnly) return;
    const from = sceneIndexOf(this.doc, sceneId);
    const count = this.view?.scenes.length ?? 0;
    if (from < 0 || count === 0) return;
    const target = Math.max(0, Math.min(count - 1, to));
    if (target !== from) moveScene(this.doc, from, target, this.localOrigin);
  }

  addComment(sceneId: string, text: string): void {
    const body = text.trim().slice(0, LIMITS.storyboard.comment.max);
    if (!body) return;
    this.#edit(() => {
      const scene = sceneMapById(this.doc, sceneId);
      if (!scene) return;
      let comments = scene.get('comments');
      if (!(comments instanceof Y.Array)) comments = scene.set('comments', new Y.Array<Y.Map<unknown>>());
      const list = comments as Y.Array<Y.Map<unknown>>;
      if (list.length >= LIMITS.storyboard.commentsPerScene.max) return;
      const c = new Y.Map<unknown>();
      c.set('id', newId());
      c.set('author', this.username);
      c.set('text', new Y.Text(body));
      c.set('created_at', new Date().toISOString());
      c.set('resolved', false);
      list.push([c]);
    });
  }

  #comment(sceneId: string, commentId: string): { list: Y.Array<unknown>; index: number; map: Y.Map<unknown> } | null {
    const comments = sceneMapById(this.doc, sceneId)?.get('comments');
    if (!(comments instanceof Y.Array)) return null;
    for (let i = 0; i < comments.length; i++) {
      const c = comments.get(i);
      if (c instanceof Y.Map && c.get('id') === commentId) return { list: comments, index: i, map: c as Y.Map<unknown> };
    }
    return null;
  }

  setCommentResolved(sceneId: string, commentId: string, resolved: boolean): void {
    this.#edit(() => this.#comment(sceneId, commentId)?.map.set('resolved', resolved));
  }

  deleteComment(sceneId: string, commentId: string): void {
    this.#edit(() => {
      const found = this.#comment(sceneId, commentId);
      if (found) found.list.delete(found.index, 1);
    });
  }

  undo(): void {
    if (!this.readOnly) this.undoManager.undo();
  }

  redo(): void {
    if (!this.readOnly) this.undoManager.redo();
  }
}
