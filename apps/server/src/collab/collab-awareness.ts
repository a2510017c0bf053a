import * as decoding from 'lib0/decoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { MalformedMessage, encodeAwareness } from './collab-protocol';

/** What the awareness relay needs of a connection. */
export interface AwarenessPeer {
  send(frame: Uint8Array): void;
}

/**
 * Presence (cursors, names) of one document. Never stored, allowed for viewers too. Every change
 * goes to every peer, the sender included: the stock client reconnects when it hears nothing for
 * 30 s, and the echo of its own 15-second heartbeat is what keeps a lone editor connected.
 */
export class DocAwareness {
  readonly awareness: awarenessProtocol.Awareness;
  /** The awareness client ids each peer has announced, removed for it when it leaves. */
  private readonly owned = new Map<AwarenessPeer, Set<number>>();

  constructor(doc: Y.Doc, private readonly peers: () => Iterable<AwarenessPeer>) {
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
   * y-protocols applies entries one by one and would leave a half-applied update behind when a later
   * entry is not JSON, so the whole update is decoded first.
   */
  apply(peer: AwarenessPeer, update: Uint8Array): void {
    try {
      const d = decoding.createDecoder(update);
      const n = decoding.readVarUint(d);
      for (let i = 0; i < n; i++) {
        decoding.readVarUint(d);
        decoding.readVarUint(d);
        JSON.parse(decoding.readVarString(d));
      }
      if (decoding.hasContent(d)) throw new Error('trailing bytes');
    } catch (err) {
      throw new MalformedMessage(`bad awareness update: ${(err as Error).message}`);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
  }

  leave(peer: AwarenessPeer): void {
    const ids = this.owned.get(peer);
    this.owned.delete(peer);
    if (ids?.size) awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null);
  }

  destroy(): void {
    this.awareness.off('update', this.relay);
    this.awareness.destroy();
  }

  private readonly relay = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    const changed = [...added, ...updated, ...removed];
    if (origin && typeof (origin as AwarenessPeer).send === 'function') {
      const peer = origin as AwarenessPeer;
      const ids = this.owned.get(peer) ?? new Set<number>();
      for (const id of [...added, ...updated]) ids.add(id);
      for (const id of removed) ids.delete(id);
      this.owned.set(peer, ids);
    }
    const frame = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const p of this.peers()) p.send(frame);
  };
}
