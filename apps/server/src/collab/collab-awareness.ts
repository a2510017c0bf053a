import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { TokenBucket } from './collab-limits';
import { MalformedMessage, encodeAwareness } from './collab-protocol';

/** What the awareness relay needs of a connection: who it is, as the session says, and how to reach it. */
export interface AwarenessPeer {
  readonly userId: string;
  readonly userName: string;
  send(frame: Uint8Array): void;
}

/** Limits on one connection's presence; read when they apply, so tests can tighten them. */
export interface AwarenessLimits {
  /** Awareness client ids one connection may hold (one per open Y.Doc; a tab has one). */
  statesPerConnection: number;
  /** Presence changes per second and burst; past them a change is dropped, not relayed. */
  updatesPerSecond: number;
  updateBurst: number;
}

/** The origin of changes another instance stored or stamped and relayed through Redis: applied here, never sent back out. */
export const REMOTE_ORIGIN = Symbol('remote instance');

/** Drawn when the client's colour is not a plain hex colour (which CSS could not turn into a request). */
const FALLBACK_COLOUR = '#64748b';
const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

interface Entry {
  clientId: number;
  clock: number;
  state: Record<string, unknown> | null;
}

/**
 * Presence (cursors, names) of one document. Never stored, allowed for viewers too. Every change
 * goes to every peer, the sender included: the stock client reconnects when it hears nothing for
 * 30 s, and the echo of its own 15-second heartbeat is what keeps a lone editor connected.
 *
 * Presence is the server's word: a connection owns the client ids it announced first (a few at
 * most), entries for anyone else's id are dropped (the stock client echoes every change it hears,
 * so that is ordinary, not hostile), and each state's `user` is overwritten with the signed-in
 * user's id and name before anyone sees it.
 */
export class DocAwareness {
  readonly awareness: awarenessProtocol.Awareness;
  private readonly ownerOf = new Map<number, AwarenessPeer>();
  private readonly owned = new Map<AwarenessPeer, Set<number>>();
  private readonly buckets = new WeakMap<AwarenessPeer, TokenBucket>();
  /** Client ids announced through another instance, with the user id the server there stamped. */
  private readonly remoteUsers = new Map<number, string>();
  /** Scaled mode: where presence changes made on this instance go to reach the others. */
  publish: ((update: Uint8Array) => void) | null = null;

  constructor(
    doc: Y.Doc,
    private readonly peers: () => Iterable<AwarenessPeer>,
    private readonly limits: AwarenessLimits,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    // The server is not a participant.
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.relay);
  }

  /** The current states, for a peer that just joined; null when there is nobody to announce. */
  currentStates(): Uint8Array | null {
    const clients = [...this.awareness.getStates().keys()];
    return clients.length ? encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)) : null;
  }

  /**
   * Applies the entries of the update this peer may make, stamped with its identity. The whole
   * update is decoded first: y-protocols applies entries one by one and would leave a
   * half-applied update behind when a later entry is not JSON.
   */
  apply(peer: AwarenessPeer, update: Uint8Array): void {
    const entries = decodeEntries(update).filter((e) => this.mayWrite(peer, e.clientId, e.clock));
    if (entries.length === 0) return;
    if (!this.bucketOf(peer).take(1)) return;
    for (const e of entries) this.claim(peer, e.clientId);
    const stamped = entries.map((e) => ({ ...e, state: e.state && stamp(e.state, peer) }));
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeEntries(stamped), peer);
  }

  /**
   * Presence another instance relayed (already checked and stamped there). An id a peer of this
   * instance holds is not overwritten from afar. States of an instance that dies expire through
   * y-protocols' own timeout: 30 s after their last renewal, as for a silent client.
   */
  applyRemote(update: Uint8Array): void {
    const entries = decodeEntries(update).filter((e) => !this.ownerOf.has(e.clientId));
    if (entries.length === 0) return;
    const states = this.awareness.getStates();
    for (const e of entries) {
      const user = e.state?.user as { id?: unknown } | undefined;
      if (typeof user?.id === 'string') this.remoteUsers.set(e.clientId, user.id);
      // A state that expired here (its instance was cut off for 30 s) comes back re-announced with
      // the clock it had: y-protocols would take an equal clock as old news, so forget the old one.
      if (e.state !== null && !states.has(e.clientId) && this.awareness.meta.get(e.clientId)?.clock === e.clock) this.awareness.meta.delete(e.clientId);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeEntries(entries), REMOTE_ORIGIN);
  }

  /**
   * Publishes the presence of this instance's own peers again, as it is now: for an instance that
   * missed it while cut off from Redis. Clocks are not bumped (a client's next change must still
   * win everywhere); `applyRemote` takes a re-announced state that has expired there.
   */
  announce(): void {
    const ours = [...this.ownerOf.keys()].filter((id) => this.awareness.getStates().has(id));
    if (this.publish && ours.length) this.publish(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ours));
  }

  leave(peer: AwarenessPeer): void {
    const ids = this.owned.get(peer);
    this.owned.delete(peer);
    if (!ids?.size) return;
    for (const id of ids) this.ownerOf.delete(id);
    awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null);
  }

  destroy(): void {
    this.awareness.off('update', this.relay);
    this.awareness.destroy();
  }

  /**
   * Its own ids, a new one while under the cap, or one held by another connection of the same
   * person (a tab that reconnects before the server noticed its old socket die).
   */
  private mayWrite(peer: AwarenessPeer, clientId: number, clock: number): boolean {
    const owner = this.ownerOf.get(clientId);
    if (owner === peer) return true;
    if (owner) return owner.userId === peer.userId;
    // Announced through another instance: only the same person with a newer clock (a tab that moved
    // here) takes it over; an echo of the relayed state (same clock) from another tab of theirs does not.
    const remoteUser = this.remoteUsers.get(clientId);
    if (remoteUser !== undefined && this.awareness.getStates().has(clientId)) {
      return remoteUser === peer.userId && clock > (this.awareness.meta.get(clientId)?.clock ?? 0);
    }
    return (this.owned.get(peer)?.size ?? 0) < this.limits.statesPerConnection;
  }

  private claim(peer: AwarenessPeer, clientId: number): void {
    const previous = this.ownerOf.get(clientId);
    if (previous === peer) return;
    if (previous) this.owned.get(previous)?.delete(clientId);
    this.remoteUsers.delete(clientId);
    this.ownerOf.set(clientId, peer);
    const ids = this.owned.get(peer) ?? new Set<number>();
    ids.add(clientId);
    this.owned.set(peer, ids);
  }

  private bucketOf(peer: AwarenessPeer): TokenBucket {
    let bucket = this.buckets.get(peer);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.updatesPerSecond, this.limits.updateBurst);
      this.buckets.set(peer, bucket);
    }
    return bucket;
  }

  private readonly relay = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    const changed = [...added, ...updated, ...removed];
    // Only what peers of this instance changed goes out: a remote state came from its own instance,
    // and a timeout happens on every instance by itself (sent on, it could remove a live state elsewhere).
    const ours = changed.filter((id) => !this.remoteUsers.has(id));
    if (this.publish && ours.length && origin !== 'timeout' && origin !== REMOTE_ORIGIN) {
      this.publish(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ours));
    }
    for (const id of removed) this.remoteUsers.delete(id);
    // The awareness timeout (30 s without a heartbeat) removes a state; its id is free again.
    for (const id of removed) {
      const owner = this.ownerOf.get(id);
      if (owner) this.owned.get(owner)?.delete(id);
      this.ownerOf.delete(id);
    }
    const frame = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const p of this.peers()) p.send(frame);
  };
}

/** The client's state with `user` replaced by the session's user (its colour kept only when it is a hex colour). */
function stamp(state: Record<string, unknown>, peer: AwarenessPeer): Record<string, unknown> {
  const claimed = state.user as { colour?: unknown } | undefined;
  const colour = typeof claimed?.colour === 'string' && HEX_COLOUR.test(claimed.colour) ? claimed.colour : FALLBACK_COLOUR;
  return { ...state, user: { id: peer.userId, name: peer.userName, colour } };
}

function decodeEntries(update: Uint8Array): Entry[] {
  try {
    const d = decoding.createDecoder(update);
    const n = decoding.readVarUint(d);
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const state: unknown = JSON.parse(decoding.readVarString(d));
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw new Error('a presence state must be an object or null');
      entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
    }
    if (decoding.hasContent(d)) throw new Error('trailing bytes');
    return entries;
  } catch (err) {
    throw new MalformedMessage(`bad awareness update: ${(err as Error).message}`);
  }
}

/** The y-protocols awareness update layout: count, then (client id, clock, JSON state) each. */
function encodeEntries(entries: Entry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}
