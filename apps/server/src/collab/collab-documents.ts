import { Injectable, Logger } from '@nestjs/common';
import * as Y from 'yjs';
import { oneLine } from '../common/one-line';
import { RedisConnections } from '../redis/redis-connections';
import { CollabLimits } from './collab-limits';
import { DocUpdatesRepository } from './doc-updates.repository';
import { collabChannel, encodeRelayMessage, parseRelayMessage } from './collab-relay';
import { HostedDoc } from './hosted-doc';

/** Why a document re-read its stored rows: this instance's Redis came back, or another's did and it asked. */
export type CatchUpCause = 'recovered' | 'asked';

interface Entry {
  doc: Promise<HostedDoc>;
  /** Open connections and in-flight server writes; the document unloads a grace period after 0. */
  holds: number;
  timer: NodeJS.Timeout | null;
  unloading: Promise<void> | null;
  /** Set when the project was deleted: nothing more is written for it. */
  discarded?: boolean;
  /** Scaled mode: ends this instance's subscription to the document's channel. */
  unsubscribe?: () => void;
}

/** The documents in memory: loaded on first use, shared by every connection, unloaded when idle. */
@Injectable()
export class CollabDocuments {
  private readonly logger = new Logger('CollabDocuments');
  private readonly entries = new Map<string, Entry>();
  private readonly changeListeners = new Set<(projectId: string, doc: Y.Doc) => void>();
  private readonly caughtUpListeners = new Set<(projectId: string, cause: CatchUpCause) => void>();

  /** Called after every stored change of a loaded document (the content filter reads it, debounced). */
  onChanged(listener: (projectId: string, doc: Y.Doc) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  constructor(
    private readonly repo: DocUpdatesRepository,
    private readonly limits: CollabLimits,
    private readonly redis: RedisConnections,
  ) {
    if (redis.enabled) redis.onRecovered(() => void this.catchUpAll());
  }

  /**
   * Called each time a loaded document has caught up with its stored rows in scaled mode: after
   * this instance's own Redis outage (`recovered`), or when another instance back from one asked
   * (`asked`). Whatever was missing has then been sent to this instance's peers.
   */
  onCaughtUp(listener: (projectId: string, cause: CatchUpCause) => void): () => void {
    this.caughtUpListeners.add(listener);
    return () => this.caughtUpListeners.delete(listener);
  }

  /** The project's document, held until `release` is called once for this call. */
  async open(projectId: string): Promise<HostedDoc> {
    for (;;) {
      const existing = this.entries.get(projectId);
      if (existing?.unloading) {
        // Let the old copy finish its last write and compaction, then load afresh.
        await existing.unloading;
        continue;
      }
      const entry = existing ?? this.load(projectId);
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      entry.holds += 1;
      try {
        return await entry.doc;
      } catch (err) {
        entry.holds -= 1;
        throw err;
      }
    }
  }

  release(projectId: string): void {
    const entry = this.entries.get(projectId);
    if (!entry || entry.holds === 0) return;
    entry.holds -= 1;
    if (entry.holds === 0 && !entry.unloading) {
      entry.timer = setTimeout(() => this.unload(projectId, entry), this.limits.unloadAfterMs);
      entry.timer.unref();
    }
  }

  /** Runs `work` on the document, loading it for the duration if nobody has it open. */
  async with<T>(projectId: string, work: (doc: HostedDoc) => Promise<T> | T): Promise<T> {
    const doc = await this.open(projectId);
    try {
      return await work(doc);
    } finally {
      this.release(projectId);
    }
  }

  /** A server-side edit of the live document, stored and relayed like a peer's (see HostedDoc.applyServerChange). */
  applyServerChange(projectId: string, change: (copy: Y.Doc) => void | Promise<void>, userId: string | null = null): Promise<void> {
    return this.with(projectId, (hosted) => hosted.applyServerChange(change, userId));
  }

  /** The project is gone: drop its document unsaved and delete its rows (its sockets are closed first). */
  async discard(projectId: string): Promise<void> {
    const entry = this.entries.get(projectId);
    if (entry) {
      entry.discarded = true;
      await this.unload(projectId, entry);
    }
    await this.repo.deleteProject(projectId);
  }

  isLoaded(projectId: string): boolean {
    return this.entries.has(projectId);
  }

  /** Stores and unloads everything; the caller has closed the connections first. */
  async unloadAll(): Promise<void> {
    await Promise.allSettled([...this.entries].map(([id, entry]) => this.unload(id, entry)));
  }

  private load(projectId: string): Entry {
    const entry: Entry = { doc: this.redis.enabled ? this.loadShared(projectId, () => entry) : HostedDoc.load(projectId, this.repo, this.limits), holds: 0, timer: null, unloading: null };
    this.entries.set(projectId, entry);
    void entry.doc.then(
      (hosted) => hosted.doc.on('update', () => {
        for (const listener of this.changeListeners) listener(projectId, hosted.doc);
      }),
      () => undefined,
    );
    entry.doc.catch((err: Error) => {
      this.logger.error(`could not load document ${projectId}: ${err.message}`);
      if (this.entries.get(projectId) === entry) this.entries.delete(projectId);
    });
    return entry;
  }

  /**
   * Scaled mode: subscribes to the document's channel before reading the rows, so an update
   * another instance stores meanwhile arrives either in the rows or on the channel (or both:
   * Yjs ignores what it has). What arrives before the load finished is applied right after it.
   */
  private async loadShared(projectId: string, entryOf: () => Entry): Promise<HostedDoc> {
    let hosted: HostedDoc | null = null;
    const early: Buffer[] = [];
    // Remote updates that arrive together are applied as one (one transaction, one frame per peer).
    let incoming: Uint8Array[] = [];
    const applyIncoming = () => {
      const batch = incoming;
      incoming = [];
      try {
        hosted?.applyRemote(batch.length === 1 ? batch[0] : Y.mergeUpdates(batch));
      } catch (err) {
        this.logger.error(`relayed updates of ${projectId} could not be applied: ${oneLine(err)}`);
      }
    };
    const receive = (message: Buffer) => {
      if (!hosted) return void early.push(message);
      const parsed = parseRelayMessage(message);
      if (!parsed) return this.logger.warn(`ignored a malformed message on the channel of ${projectId}`);
      // Our own publication coming back: our peers have had it already.
      if (parsed.from === this.redis.instanceId) return;
      if (parsed.kind === 'resync') return void this.catchUp(projectId, hosted, 'asked');
      if (parsed.kind === 'update') {
        // Copied: the payload is a view into ioredis's buffer.
        if (incoming.push(Uint8Array.from(parsed.payload)) === 1) setImmediate(applyIncoming);
        return;
      }
      try {
        hosted.presence.applyRemote(parsed.payload);
      } catch (err) {
        this.logger.error(`a relayed ${parsed.kind} of ${projectId} could not be applied: ${oneLine(err)}`);
      }
    };
    const unsubscribe = await this.redis.subscribeBuffer(collabChannel(projectId), receive);
    entryOf().unsubscribe = unsubscribe;
    try {
      hosted = await HostedDoc.load(projectId, this.repo, this.limits);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    const loaded = hosted;
    for (const message of early.splice(0)) receive(message);
    const channel = collabChannel(projectId);
    const send = (kind: 'update' | 'awareness', payload: Uint8Array) => {
      // Not awaited: this instance's peers do not wait for Redis; a failure is logged by publishBuffer.
      void this.redis.publishBuffer(channel, encodeRelayMessage(kind, this.redis.instanceId, payload));
    };
    // The updates of one stored batch (applied one by one here, each its own event) go out as one
    // merged message, so a busy document costs the other instances one apply and one frame per
    // peer per batch rather than per keystroke.
    let outgoing: Uint8Array[] = [];
    const flush = () => {
      const batch = outgoing;
      outgoing = [];
      send('update', batch.length === 1 ? batch[0] : Y.mergeUpdates(batch));
    };
    loaded.relayTo({
      update: (u) => {
        if (outgoing.push(u) === 1) setImmediate(flush);
      },
      awareness: (u) => send('awareness', u),
    });
    return loaded;
  }

  /**
   * Redis is back after an outage of this instance's connections: the other instances' updates
   * and presence changes of that time never arrived here, and ours never left. Each loaded
   * document re-reads its rows and re-announces its peers' presence, then asks the others to do
   * the same (they did not notice anything: their own connections stayed up).
   */
  private async catchUpAll(): Promise<void> {
    await Promise.allSettled(
      [...this.entries].map(async ([projectId, entry]) => {
        if (entry.unloading) return;
        const hosted = await entry.doc;
        await this.catchUp(projectId, hosted, 'recovered');
        await this.redis.publishBuffer(collabChannel(projectId), encodeRelayMessage('resync', this.redis.instanceId));
      }),
    );
  }

  private async catchUp(projectId: string, hosted: HostedDoc, cause: CatchUpCause): Promise<void> {
    const entry = this.entries.get(projectId);
    if (!entry || entry.unloading) return;
    try {
      if (await hosted.catchUp()) this.logger.log(`document ${projectId} caught up with updates stored while Redis was away`);
    } catch (err) {
      // Its peers still hold what they have; the next outage's end or a reload reads the rows again.
      this.logger.error(`document ${projectId} could not catch up with its stored rows: ${oneLine(err)}`);
      return;
    }
    hosted.presence.announce();
    for (const listener of this.caughtUpListeners) listener(projectId, cause);
  }

  private unload(projectId: string, entry: Entry): Promise<void> {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.unloading ??= (async () => {
      try {
        const doc = await entry.doc;
        if (entry.discarded) doc.discard();
        // Compacting on the way out keeps the next cold load to one row.
        else await doc.compact();
        doc.destroy();
      } catch {
        // A document that never loaded has nothing to write back.
      } finally {
        entry.unsubscribe?.();
        if (this.entries.get(projectId) === entry) this.entries.delete(projectId);
      }
    })();
    return entry.unloading;
  }
}
