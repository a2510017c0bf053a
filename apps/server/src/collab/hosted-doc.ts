import { Logger } from '@nestjs/common';
import * as Y from 'yjs';
import { COLLAB_CLOSE, COLLAB_CLOSE_REASONS } from '@reelcraft/shared';
import { DocAwareness, REMOTE_ORIGIN } from './collab-awareness';
import type { CollabLimits } from './collab-limits';
import { MalformedMessage, encodeSyncStep1, encodeSyncStep2, encodeUpdate, type ClientMessage } from './collab-protocol';
import type { DocUpdatesRepository } from './doc-updates.repository';
import { UpdateGuard } from './update-guard';

/** A server-side change would grow the document past the limit peers are held to. */
export class DocumentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the document would exceed ${maxBytes} bytes`);
    this.name = 'DocumentTooLarge';
  }
}

export { REMOTE_ORIGIN };

/** Where a document's own stored updates and presence changes go to reach the other instances (scaled mode). */
export interface DocRelay {
  update(update: Uint8Array): void;
  awareness(update: Uint8Array): void;
}

/** One open WebSocket as the document sees it. */
export interface DocPeer {
  readonly userId: string;
  readonly userName: string;
  readonly readOnly: boolean;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/**
 * One project's storyboard document in memory, with the peers editing it.
 *
 * The invariant that makes a SIGKILL harmless: an update is stored before it touches the
 * in-memory document, and peers only ever see the in-memory document (sync step 2) or updates
 * relayed from it. Whatever any peer has received is therefore in the database. Updates go
 * through one queue per document, so rows, the document and the relay all share one order.
 */
export class HostedDoc {
  readonly doc = new Y.Doc();
  readonly presence: DocAwareness;
  readonly peers = new Set<DocPeer>();
  private queue: Promise<void> = Promise.resolve();
  /** Peer updates received but not yet taken by the queue. */
  private arrived: { peer: DocPeer; update: Uint8Array }[] = [];
  private flushQueued = false;
  /** The project was deleted: queued and later updates are dropped instead of stored. */
  private discarded = false;
  private lastSeq = 0;
  private rowsSinceSnapshot = 0;
  /** Exact encoded size at the last measurement plus every update stored since: an upper bound. */
  private sizeBound = 0;
  private readonly logger: Logger;
  private readonly guard = new UpdateGuard(this.doc);
  /** Set in scaled mode: other instances write this document too, which changes how seqs and compaction work. */
  private outbound: DocRelay | null = null;

  private constructor(
    readonly projectId: string,
    private readonly repo: DocUpdatesRepository,
    private readonly limits: CollabLimits,
  ) {
    this.logger = new Logger(`Collab ${projectId}`);
    this.presence = new DocAwareness(this.doc, () => this.peers, {
      get statesPerConnection() {
        return limits.awarenessStatesPerConnection;
      },
      get updatesPerSecond() {
        return limits.awarenessUpdatesPerSecond;
      },
      get updateBurst() {
        return limits.awarenessUpdateBurst;
      },
    });
    this.doc.on('update', this.relay);
  }

  static async load(projectId: string, repo: DocUpdatesRepository, limits: CollabLimits): Promise<HostedDoc> {
    const hosted = new HostedDoc(projectId, repo, limits);
    const stored = await repo.load(projectId);
    // One transaction: observers (none yet) and the update event fire once, not per row.
    hosted.doc.transact(() => {
      stored.updates.forEach((update, i) => {
        try {
          Y.applyUpdate(hosted.doc, update, hosted);
        } catch (err) {
          // One row Yjs cannot integrate must not make the whole storyboard unloadable.
          hosted.logger.error(`stored update ${i + 1} of ${stored.updates.length} could not be applied and is skipped: ${(err as Error).message}`);
        }
      });
    });
    hosted.lastSeq = stored.lastSeq;
    hosted.rowsSinceSnapshot = stored.updates.length;
    hosted.sizeBound = Y.encodeStateAsUpdate(hosted.doc).byteLength;
    return hosted;
  }

  /**
   * From now on, every update stored here and every presence change made here is also handed to
   * `relay` (after it was stored, so the database stays the source of truth for other instances).
   */
  relayTo(relay: DocRelay): void {
    this.outbound = relay;
    this.presence.publish = (update) => relay.awareness(update);
  }

  /**
   * An update another instance stored: applied (and so sent to this instance's peers) without
   * being stored again. Duplicates, such as one this instance also loaded from the database, are
   * harmless to Yjs. Throws for bytes Yjs cannot apply.
   */
  applyRemote(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    // The size limit covers what others wrote too.
    this.sizeBound += update.byteLength;
  }

  /**
   * Applies whatever the stored rows hold that this copy lacks: updates another instance stored
   * while its relay could not reach this one (a Redis outage). Sent on to this instance's peers as
   * any relayed update is, never stored or published again. In the document's queue, so a row this
   * instance is storing right now is applied by its own path (which relays it) and not here first.
   *
   * Reads every row, not those past a seq: compaction frees seqs below its snapshot's, so an
   * instance that had not heard of the snapshot may store a row there afterwards. The rows stay
   * few (compaction), and Yjs skips what the document has. Resolves true when something was new.
   */
  catchUp(): Promise<boolean> {
    return this.enqueue(async () => {
      if (this.discarded) return false;
      const stored = await this.repo.load(this.projectId);
      let changed = false;
      const seen = () => (changed = true);
      this.doc.on('update', seen);
      try {
        // One transaction: the peers get one frame with just what was missing.
        this.doc.transact(() => {
          for (const update of stored.updates) {
            try {
              Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
            } catch (err) {
              this.logger.error(`a stored update could not be applied while catching up: ${(err as Error).message}`);
            }
          }
        }, REMOTE_ORIGIN);
      } finally {
        this.doc.off('update', seen);
      }
      this.lastSeq = Math.max(this.lastSeq, stored.lastSeq);
      if (changed) this.sizeBound = Y.encodeStateAsUpdate(this.doc).byteLength;
      return changed;
    });
  }

  get storedRows(): number {
    return this.rowsSinceSnapshot;
  }

  /** Starts the y-websocket handshake: our state vector (so the peer sends what we lack) and who is here. */
  join(peer: DocPeer): void {
    this.peers.add(peer);
    peer.send(encodeSyncStep1(this.doc));
    const states = this.presence.currentStates();
    if (states) peer.send(states);
  }

  leave(peer: DocPeer): void {
    this.peers.delete(peer);
    this.presence.leave(peer);
  }

  /** Handles one decoded message; throws MalformedMessage for content Yjs or the awareness decoder reject. */
  handle(peer: DocPeer, message: ClientMessage): void {
    switch (message.kind) {
      case 'sync-step1':
        // Updates still queued reach this peer through the relay once stored, so nothing is skipped.
        peer.send(encodeSyncStep2(this.doc, message.stateVector));
        return;
      case 'update':
        // Group commit: updates that arrive while a write is in flight are stored together in one
        // statement, so a busy document pays one database round trip per batch, not per keystroke.
        this.arrived.push({ peer, update: message.update });
        if (!this.flushQueued) {
          this.flushQueued = true;
          void this.enqueue(() => this.acceptArrived());
        }
        return;
      case 'awareness':
        if (message.update.byteLength > this.limits.awarenessBytes) {
          peer.close(COLLAB_CLOSE.TOO_LARGE, `presence of ${message.update.byteLength} bytes exceeds ${this.limits.awarenessBytes}`);
          return;
        }
        this.presence.apply(peer, message.update);
        return;
      case 'query-awareness': {
        const states = this.presence.currentStates();
        if (states) peer.send(states);
        return;
      }
    }
  }

  /** An update the server itself writes (the planner's storyboard): same store-then-apply path. */
  applyServerUpdate(update: Uint8Array): Promise<void> {
    return this.enqueue(async () => {
      if (!this.changesDocument(decode(update))) return;
      await this.store(update, null);
      Y.applyUpdate(this.doc, update, this);
    });
  }

  /**
   * An edit the server makes itself (a version restore). `change` edits a scratch copy taken inside
   * this document's queue, so the copy is exactly what every peer has been sent and no peer update
   * can slip in between; only the difference is then stored and relayed, through the same
   * store-then-apply path as a peer's update. `change` may await (to store a backup of the state
   * it was given, say); when it throws, nothing is applied.
   */
  applyServerChange(change: (copy: Y.Doc) => void | Promise<void>, userId: string | null = null): Promise<void> {
    return this.enqueue(async () => {
      const copy = new Y.Doc();
      try {
        Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
        const before = Y.encodeStateVector(copy);
        await change(copy);
        // Yjs encoded this from a document it built, so the scratch validation of peer updates is not needed.
        const update = Y.encodeStateAsUpdate(copy, before);
        if (!this.changesDocument(decode(update))) return;
        if (!this.fits(update)) throw new DocumentTooLarge(this.limits.documentBytes);
        await this.store(update, userId);
        Y.applyUpdate(this.doc, update, this);
      } finally {
        copy.destroy();
      }
    });
  }

  /** Resolves once every update received so far is stored and applied. */
  idle(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  /** Merges the stored rows into one snapshot row; run when idle or every `compactEvery` updates. */
  compact(): Promise<void> {
    return this.enqueue(() => this.compactNow());
  }

  discard(): void {
    this.discarded = true;
  }

  destroy(): void {
    this.doc.off('update', this.relay);
    this.presence.destroy();
    this.doc.destroy();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    // The queue itself never rejects, so one failure does not stop the updates behind it.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Takes every peer update that has arrived, checks each, stores the accepted ones in one
   * statement and only then applies (and so relays) them. Runs even when a peer has gone
   * meanwhile: its edit arrived whole and was checked, so it counts.
   */
  private async acceptArrived(): Promise<void> {
    this.flushQueued = false;
    const batch = this.arrived;
    this.arrived = [];
    const accepted: { peer: DocPeer; update: Uint8Array }[] = [];
    const guard = this.guard;
    let growth = 0;
    for (const { peer, update } of batch) {
      let decoded: DecodedUpdate;
      try {
        decoded = decode(update);
      } catch (err) {
        peer.close(COLLAB_CLOSE.MALFORMED, (err as Error).message);
        continue;
      }
      // A reconnecting peer re-sends what it has; that is not an edit, not even from a viewer.
      if (!this.changesDocument(decoded)) continue;
      if (peer.readOnly) {
        // Closing (rather than dropping quietly) tells the client its local copy has diverged; the
        // stock client does not reconnect on 44xx, so a misbehaving viewer is not looped.
        peer.close(COLLAB_CLOSE.READ_ONLY, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.READ_ONLY]);
        continue;
      }
      if (!this.fits(update, growth)) {
        peer.close(COLLAB_CLOSE.TOO_LARGE, `the document would exceed ${this.limits.documentBytes} bytes`);
        continue;
      }
      const refusal = guard.check(update, decoded, peer.userName);
      if (refusal) {
        // Refused like a malformed frame: not stored, never relayed, the sender's copy is wrong.
        peer.close(COLLAB_CLOSE.MALFORMED, refusal);
        continue;
      }
      growth += update.byteLength;
      accepted.push({ peer, update });
    }
    guard.reset();
    if (accepted.length === 0) return;
    try {
      await this.storeMany(accepted.map(({ peer, update }) => ({ update, userId: peer.userId })));
    } catch (err) {
      // Not stored, so not applied: each peer still holds its edit and re-sends it after reconnecting.
      this.logger.error(`could not store ${accepted.length} update(s): ${(err as Error).message}`);
      for (const { peer } of accepted) peer.close(COLLAB_CLOSE.INTERNAL, 'the update could not be stored');
      return;
    }
    for (const { peer, update } of accepted) {
      try {
        Y.applyUpdate(this.doc, update, peer);
      } catch (err) {
        // Decodable yet not integrable: this peer's copy is broken, the others are not.
        this.logger.error(`an update from ${peer.userId} could not be applied: ${(err as Error).message}`);
        peer.close(COLLAB_CLOSE.MALFORMED, 'update rejected by Yjs');
      }
    }
    if (this.rowsSinceSnapshot >= this.limits.compactEvery) await this.compactNow();
  }

  private store(update: Uint8Array, userId: string | null): Promise<void> {
    return this.storeMany([{ update, userId }]);
  }

  private async storeMany(updates: { update: Uint8Array; userId: string | null }[]): Promise<void> {
    if (this.discarded) throw new Error('the project was deleted');
    if (this.outbound) {
      // Other instances store rows of this document too: the database hands out the seqs. (Seqs
      // counted here and retried on a clash made a batch that lost wait for the other instance's
      // commit, then lose again while it kept typing: the tail of the propagation latency.)
      this.lastSeq = Math.max(this.lastSeq, await this.repo.appendShared(this.projectId, updates));
    } else {
      // The only writer of this document: the next seqs are known without asking.
      await this.repo.append(this.projectId, this.lastSeq + 1, updates);
      this.lastSeq += updates.length;
    }
    this.rowsSinceSnapshot += updates.length;
    for (const { update } of updates) this.sizeBound += update.byteLength;
  }

  private async compactNow(): Promise<void> {
    if (this.rowsSinceSnapshot <= 1 || this.discarded) return;
    if (this.outbound) return this.compactShared();
    // The in-memory document is exactly rows 1..lastSeq (the queue is ours), and encoding it
    // garbage-collects deleted text, which merging the raw rows would keep.
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.repo.compact(this.projectId, this.lastSeq, snapshot);
      this.rowsSinceSnapshot = 1;
      this.sizeBound = snapshot.byteLength;
    } catch (err) {
      this.logger.warn(`compaction failed, the rows stay as they are: ${(err as Error).message}`);
    }
  }

  /**
   * Several instances write this document, and this copy may not yet hold a row another one stored
   * a moment ago: the snapshot is built from the rows as stored instead (see compactStored).
   */
  private async compactShared(): Promise<void> {
    try {
      await this.repo.compactStored(this.projectId, (updates) => {
        const merged = new Y.Doc();
        try {
          // Through a document rather than Y.mergeUpdates, so deleted text is garbage-collected.
          merged.transact(() => {
            for (const u of updates) {
              try {
                Y.applyUpdate(merged, u);
              } catch {
                // As at load: one row Yjs cannot integrate does not block the others.
              }
            }
          });
          return Y.encodeStateAsUpdate(merged);
        } finally {
          merged.destroy();
        }
      });
      this.rowsSinceSnapshot = 1;
      this.sizeBound = Y.encodeStateAsUpdate(this.doc).byteLength;
    } catch (err) {
      this.logger.warn(`compaction failed, the rows stay as they are: ${(err as Error).message}`);
    }
  }

  /**
   * False for an update whose every struct and deletion the document already has. Walks only the
   * update's own ranges: a snapshot of the whole document (Y.snapshotContainsUpdate) would cost
   * time in proportion to the storyboard on every backspace.
   */
  private changesDocument({ structs, ds }: DecodedUpdate): boolean {
    const store = this.doc.store;
    for (const s of structs) {
      if (s instanceof Y.Skip) continue;
      if (s.id.clock + s.length > Y.getState(store, s.id.client)) return true;
    }
    for (const [client, ranges] of ds.clients) {
      const known = Y.getState(store, client);
      for (const { clock, len } of ranges) {
        // Deleting what we have not seen yet: Yjs keeps it pending, and it is new to us.
        if (clock + len > known) return true;
        for (let at = clock; at < clock + len; ) {
          const struct = Y.getItem(store, Y.createID(client, at));
          if (!struct.deleted) return true;
          at = struct.id.clock + struct.length;
        }
      }
    }
    return false;
  }


  /** `pending`: bytes already accepted in the same batch but not yet stored. */
  private fits(update: Uint8Array, pending = 0): boolean {
    const max = this.limits.documentBytes;
    if (this.sizeBound + pending + update.byteLength <= max) return true;
    this.sizeBound = Y.encodeStateAsUpdate(this.doc).byteLength;
    return this.sizeBound + pending + update.byteLength <= max;
  }

  private readonly relay = (update: Uint8Array, origin: unknown) => {
    const frame = encodeUpdate(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(frame);
    // Every change that reaches here other than a remote one was stored by this instance first.
    if (this.outbound && origin !== REMOTE_ORIGIN) this.outbound.update(update);
  };
}

type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * Decodes every struct, content and deletion of the update, so bytes Yjs cannot read are refused
 * before they are stored instead of poisoning every later load of the document. (Applying it to a
 * scratch document, as this once did, checked no more: nearly every keystroke depends on earlier
 * items, which an empty document lacks, so Yjs only parked it; and it cost ten times as much.)
 */
function decode(update: Uint8Array): DecodedUpdate {
  try {
    return Y.decodeUpdate(update);
  } catch (err) {
    throw new MalformedMessage(`update rejected by Yjs: ${(err as Error).message}`);
  }
}
