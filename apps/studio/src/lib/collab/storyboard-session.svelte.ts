/**
 * One open storyboard: a Y.Doc kept in step with the server's copy over y-websocket
 * (/collab/<projectId>), presence through the provider's awareness, and a per-user undo stack.
 *
 * Offline: every local edit stays in the Y.Doc while the socket is down and goes out in the sync
 * handshake when it reconnects, where it merges with what others did meanwhile. Editors also keep
 * the document in IndexedDB (local-copy.ts, one copy per user and project), so edits made offline
 * survive a closed tab: the next page that opens the project loads them and sends them on sync.
 * Viewers keep no copy (they cannot send edits; a copy left from when they could edit is discarded
 * unsent), a project the server says is gone or forbidden has its copy deleted, and logout deletes
 * the user's copies.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import {
  COLLAB_CLOSE,
  LIMITS,
  addCharacter as addCharacterToDoc,
  addComment as addCommentToDoc,
  appendScene,
  characterText,
  deleteComment as deleteCommentFromDoc,
  deleteScene,
  duplicateScene,
  hasStoryboard,
  moveScene,
  newScene,
  removeCharacter as removeCharacterFromDoc,
  sceneIndexOf,
  sceneMapById,
  setCommentResolved as setCommentResolvedInDoc,
  shouldReconnect,
  storyboardRoot,
  updateCharacter as updateCharacterInDoc,
  updateSceneField,
  type Aspect,
  type SceneField,
  type StoryboardScene,
  type StoryboardStyle,
} from '@reelcraft/shared';
import { colourFor } from './colour';
import { setMusic, setOutput, type MusicPatch, type OutputPatch } from './delivery';
import { clearLocalCopy, hasLocalCopy, localCopiesSupported, localCopyName, pendingEdits, registerLocalCopy, setPendingEdits } from './local-copy';
import { EMPTY_PRESENCE, groupPresence, type EditableField, type PresenceGroups, type PresenceState } from './presence';
import { ASPECT_SIZES, viewOf, type StoryboardView } from './storyboard-view';

export type ConnectionState = 'connecting' | 'syncing' | 'online' | 'offline' | 'closed';

export interface SessionOptions {
  projectId: string;
  username: string;
  /** Keys the local copy (IndexedDB); null or absent: no local copy. */
  userId?: string | null;
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
  /**
   * Local edits the server has not received yet (made while not online, in this tab or in one
   * closed before they could be sent); 0 once a sync with the server sent them.
   */
  pendingChanges = $state(0);
  /** Unsent edits of an earlier session discarded because this user may only view the project now. */
  discardedChanges = $state(0);
  /** Whether this tab keeps a local copy in IndexedDB. */
  readonly persistent: boolean;
  /** Close code of a refusal the server means (4401, 4403, 4404, 4405…), once reconnecting stopped. */
  closedCode = $state<number | null>(null);
  presence = $state.raw<PresenceGroups>(EMPTY_PRESENCE);
  canUndo = $state(false);
  canRedo = $state(false);

  #disposed = false;
  #online = true;
  readonly #localName: string | null;
  #persistence: IndexeddbPersistence | null = null;

  get pendingOffline(): boolean {
    return this.pendingChanges > 0;
  }

  constructor(opts: SessionOptions) {
    this.username = opts.username;
    this.colour = colourFor(opts.username);
    this.readOnly = opts.readOnly;
    this.#localName = opts.userId ? localCopyName(opts.userId, opts.projectId) : null;
    const base = opts.origin ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    this.provider = new WebsocketProvider(`${base}/collab`, opts.projectId, this.doc, {
      params: opts.token ? { token: opts.token } : {},
      disableBc: true,
      // Connects once the local copy is loaded, so the first sync carries its unsent edits.
      connect: false,
      shouldReconnect: (event: CloseEvent) => shouldReconnect(event.code),
    });
    // Yjs's own set of origins to track, read by the undo manager only: not state the page renders.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
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

    this.persistent = this.#openLocalCopy();
    if (!this.persistent) this.#connect();
  }

  /** Opens the local copy when this user may edit; returns whether one is kept (the connection then waits for it). */
  #openLocalCopy(): boolean {
    const name = this.#localName;
    if (!name || !localCopiesSupported()) return false;
    if (this.readOnly) {
      // A viewer never sends edits: a copy left from when this user could edit is dropped unsent.
      if (hasLocalCopy(name)) {
        this.discardedChanges = pendingEdits(name);
        void clearLocalCopy(name);
      }
      return false;
    }
    let persistence: IndexeddbPersistence;
    try {
      persistence = new IndexeddbPersistence(name, this.doc);
    } catch {
      return false;
    }
    this.#persistence = persistence;
    registerLocalCopy(name);
    this.pendingChanges = pendingEdits(name);
    let connected = false;
    const go = () => {
      if (connected) return;
      connected = true;
      clearTimeout(fallback);
      this.#connect();
    };
    // IndexedDB may be refused (private modes, full disk) without an error reaching us: go online anyway.
    const fallback = setTimeout(go, 3000);
    void persistence.whenSynced.then(go, go);
    return true;
  }

  #connect(): void {
    if (this.#disposed || this.closedCode !== null) return;
    if (this.#online) this.provider.connect();
    else this.connection = this.view ? 'offline' : 'connecting';
  }

  /** Deletes the local copy (the server no longer has the project for this user); edits from now on stay in memory only. */
  #dropLocalCopy(): void {
    const persistence = this.#persistence;
    this.#persistence = null;
    this.#setPending(0);
    if (persistence) void persistence.clearData().catch(() => undefined);
    if (this.#localName) void clearLocalCopy(this.#localName);
  }

  #setPending(n: number): void {
    this.pendingChanges = n;
    if (this.#persistence && this.#localName) setPendingEdits(this.#localName, n);
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
    // Closes the local copy; the updates already handed to IndexedDB stay there.
    void this.#persistence?.destroy();
    this.#persistence = null;
    this.doc.destroy();
  }

  // --- connection ------------------------------------------------------------------------------

  #onUpdate = (_update: Uint8Array, origin: unknown) => {
    this.view = viewOf(this.doc);
    // This tab's own edits (undo and redo included) that the socket did not carry out just now.
    // Updates from the server or loaded from the local copy are not new edits.
    if (origin === this.provider || (this.#persistence && origin === this.#persistence)) return;
    if (this.connection !== 'online' || !this.provider.wsconnected) this.#setPending(this.pendingChanges + 1);
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
      // The handshake sent the server everything this document has that it lacked.
      this.#setPending(0);
      this.connection = 'online';
    } else if (this.provider.wsconnected) this.connection = 'syncing';
  };

  #onClosed = (close: { code: number; reason: string } | null) => {
    if (!close) return;
    this.closedCode = close.code;
    this.connection = 'closed';
    // The project is gone, or this user lost access: the local copy could never be sent.
    if (close.code === COLLAB_CLOSE.NOT_FOUND || close.code === COLLAB_CLOSE.FORBIDDEN) this.#dropLocalCopy();
  };

  #onNetwork = () => {
    const online = navigator.onLine !== false;
    if (online === this.#online) return;
    this.#online = online;
    if (!online) {
      // The browser says the network is gone: close the socket now rather than writing into a dead
      // one until its timeout, so every edit from here on counts as unsent and goes out on sync.
      if (this.provider.shouldConnect) this.provider.disconnect();
      this.connection = 'offline';
    } else if (!this.provider.wsconnected && this.closedCode === null && !this.#disposed) {
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

  /** Delivery settings (subtitles, narration, caption card), one transaction per change. */
  setOutput(patch: OutputPatch): void {
    this.#edit(() => setOutput(this.doc, patch, this.localOrigin));
  }

  /** Music on or off, its volume and fades. */
  setMusic(patch: MusicPatch): void {
    this.#edit(() => setMusic(this.doc, patch, this.localOrigin));
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

  /** Adds a comment as this user; false when it was refused (empty, too long, full scene, scene gone). */
  addComment(sceneId: string, text: string): boolean {
    if (this.readOnly || !hasStoryboard(this.doc) || !text.trim()) return false;
    try {
      return addCommentToDoc(this.doc, sceneId, { author: this.username, text: text.trim().slice(0, LIMITS.storyboard.comment.max) }, this.localOrigin) !== null;
    } catch {
      return false;
    }
  }

  setCommentResolved(sceneId: string, commentId: string, resolved: boolean): void {
    if (this.readOnly || !hasStoryboard(this.doc)) return;
    setCommentResolvedInDoc(this.doc, sceneId, commentId, resolved, this.localOrigin);
  }

  deleteComment(sceneId: string, commentId: string): void {
    if (this.readOnly || !hasStoryboard(this.doc)) return;
    deleteCommentFromDoc(this.doc, sceneId, commentId, this.localOrigin);
  }

  // --- characters ------------------------------------------------------------------------------

  /** Adds a character; its id, or null when refused (empty name, limit reached). */
  addCharacter(name: string, description = ''): string | null {
    if (this.readOnly || !hasStoryboard(this.doc) || !name.trim()) return null;
    try {
      return addCharacterToDoc(this.doc, { name: name.slice(0, LIMITS.storyboard.characterName.max), description }, this.localOrigin).id;
    } catch {
      return null;
    }
  }

  updateCharacter(characterId: string, patch: { name?: string; description?: string }): void {
    if (this.readOnly || !hasStoryboard(this.doc)) return;
    const clipped = {
      ...(patch.name !== undefined ? { name: patch.name.slice(0, LIMITS.storyboard.characterName.max) } : {}),
      ...(patch.description !== undefined ? { description: patch.description.slice(0, LIMITS.storyboard.characterDescription.max) } : {}),
    };
    updateCharacterInDoc(this.doc, characterId, clipped, this.localOrigin);
  }

  /** The live Y.Text of a character's look, for a CollabTextarea. */
  characterText(characterId: string): Y.Text | null {
    return characterText(this.doc, characterId);
  }

  removeCharacter(characterId: string): void {
    if (this.readOnly || !hasStoryboard(this.doc)) return;
    removeCharacterFromDoc(this.doc, characterId, this.localOrigin);
  }

  /** Whether a character appears in a scene (its prompt then carries the character's look). */
  setSceneCharacter(sceneId: string, characterId: string, present: boolean): void {
    const scene = this.view?.scenes.find((s) => s.id === sceneId);
    if (!scene || scene.character_ids.includes(characterId) === present) return;
    const ids = present ? [...scene.character_ids, characterId] : scene.character_ids.filter((c) => c !== characterId);
    this.setSceneField(sceneId, 'character_ids', ids);
  }

  undo(): void {
    if (!this.readOnly) this.undoManager.undo();
  }

  redo(): void {
    if (!this.readOnly) this.undoManager.redo();
  }
}
