import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
// The only way yjs is imported here: y-websocket and @reelcraft/shared load the same ESM copy, and
// a second copy would break Yjs's instanceof checks.
import * as Y from 'yjs';

export interface CollabClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** Every update this client got from the server. */
  received: Uint8Array[];
  /** Resolves when the socket first closes (the server died). */
  closed: Promise<void>;
  destroy(): void;
}

/** A stock y-websocket client, as the studio uses it, that keeps what the server sent it. */
export function collabClient(baseUrl: string, projectId: string, token: string): CollabClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/collab', projectId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    // No BroadcastChannel: every client must get its state from the server, not from a sibling.
    disableBc: true,
    maxBackoffTime: 300,
  });
  const received: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array, origin: unknown) => origin === provider && received.push(u));
  const closed = new Promise<void>((res) => provider.once('connection-close', () => res()));
  return {
    doc,
    provider,
    received,
    closed,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

/**
 * Whether `updates` add nothing to `doc`: applied to a copy, they leave its state vector as it is
 * and nothing pending (an update whose dependencies are missing is parked, not counted).
 */
export function docHolds(doc: Y.Doc, updates: Uint8Array[]): boolean {
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const before = Y.encodeStateVector(copy);
    copy.transact(() => updates.forEach((u) => Y.applyUpdate(copy, u)));
    return sameBytes(Y.encodeStateVector(copy), before) && copy.store.pendingStructs === null && copy.store.pendingDs === null;
  } finally {
    copy.destroy();
  }
}

export { Y };
