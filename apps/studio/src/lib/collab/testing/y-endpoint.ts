/**
 * For the studio's specs only (nothing in the app imports it): an in-process y-websocket
 * endpoint on a loopback port, speaking the stock protocol (sync step 1/2, updates, awareness,
 * awareness queries) that the server's collab edge speaks, so a StoryboardSession's real
 * WebsocketProvider can connect to it. The server's edge itself boots only inside the server's
 * own tests; what the studio's specs need from it is modelled here and nothing more:
 *
 * - one Y.Doc and one Awareness per room, which a spec seeds and reads directly;
 * - refusals by token (close codes such as 4403), as the edge sends them;
 * - viewers (by token): a document update that would change the document closes the socket with
 *   4405 and is not applied, as on the server, so a spec notices a viewer that sends edits;
 * - `drop(room)`: every socket of the room is closed from the server side (a lost connection).
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { WebSocket } from 'ws';
import { COLLAB_CLOSE } from '@reelcraft/shared';

// Node's own resolution: the DOM specs resolve packages with the 'browser' condition, under which
// `ws` is a stub that throws.
const ws = createRequire(import.meta.url)('ws') as typeof import('ws');
const { WebSocketServer } = ws;

/**
 * The WebSocket the sessions under test use (install it as the global `WebSocket`): `ws`'s client,
 * which follows the browser's API. happy-dom's own lacks the instance constants (`socket.OPEN`),
 * and y-websocket compares `readyState` with those before sending an update, so over happy-dom's
 * socket no edit would ever leave the tab.
 */
export const NodeWebSocket = ws.WebSocket as unknown as typeof WebSocket;

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

interface Room {
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  /** Each socket with the awareness client ids it announced. */
  conns: Map<WebSocket, Set<number>>;
}

export interface EndpointOptions {
  /** Close code for a connection with this token, or null to accept it. */
  refuse?: (token: string | null, room: string) => number | null;
  /** Tokens whose connections may read and send presence only. */
  viewerTokens?: string[];
}

export interface YEndpoint {
  /** ws://127.0.0.1:<port>, the `origin` a session takes. */
  origin: string;
  /** The room's document (created empty on first use). */
  doc(room: string): Y.Doc;
  /** The room's server-side awareness. */
  awareness(room: string): awarenessProtocol.Awareness;
  /** Sockets open in the room now. */
  connections(room: string): number;
  /** Connections accepted or refused so far, per room (every reconnect counts). */
  attempts(room: string): number;
  /** Closes every socket of the room from the server side with this code (default 1001, going away: clients reconnect). */
  drop(room: string, code?: number): void;
  close(): Promise<void>;
}

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
};

/** Whether applying this update to the document would change it. */
function changes(doc: Y.Doc, update: Uint8Array): boolean {
  const probe = new Y.Doc({ gc: false });
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc));
  const before = Y.encodeStateAsUpdate(probe);
  Y.applyUpdate(probe, update);
  const after = Y.encodeStateAsUpdate(probe);
  probe.destroy();
  return before.length !== after.length || before.some((b, i) => b !== after[i]);
}

export async function startYEndpoint(opts: EndpointOptions = {}): Promise<YEndpoint> {
  const rooms = new Map<string, Room>();
  const attempts = new Map<string, number>();
  const viewers = new Set(opts.viewerTokens ?? []);

  const room = (name: string): Room => {
    let r = rooms.get(name);
    if (!r) {
      const doc = new Y.Doc();
      const awareness = new awarenessProtocol.Awareness(doc);
      awareness.setLocalState(null); // the endpoint itself is nobody
      const conns = new Map<WebSocket, Set<number>>();
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        const msg = frame((e) => {
          encoding.writeVarUint(e, MESSAGE_SYNC);
          syncProtocol.writeUpdate(e, update);
        });
        for (const c of conns.keys()) if (c !== origin && c.readyState === c.OPEN) c.send(msg);
      });
      awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const changed = [...added, ...updated, ...removed];
        const ids = origin && typeof origin === 'object' ? conns.get(origin as WebSocket) : undefined;
        if (ids) {
          for (const id of added) ids.add(id);
          for (const id of removed) ids.delete(id);
        }
        const msg = frame((e) => {
          encoding.writeVarUint(e, MESSAGE_AWARENESS);
          encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, changed));
        });
        for (const c of conns.keys()) if (c.readyState === c.OPEN) c.send(msg);
      });
      r = { doc, awareness, conns };
      rooms.set(name, r);
    }
    return r;
  };

  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const name = decodeURIComponent(url.pathname.replace(/^\/collab\//, ''));
    const token = url.searchParams.get('token');
    attempts.set(name, (attempts.get(name) ?? 0) + 1);
    const refusal = opts.refuse?.(token, name) ?? null;
    if (refusal !== null) {
      ws.close(refusal, 'refused');
      return;
    }
    const viewer = token !== null && viewers.has(token);
    const r = room(name);
    r.conns.set(ws, new Set());
    ws.binaryType = 'arraybuffer';

    ws.on('message', (data: ArrayBuffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) {
        const sub = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (sub === syncProtocol.messageYjsSyncStep1) {
          ws.send(frame((e) => {
            encoding.writeVarUint(e, MESSAGE_SYNC);
            syncProtocol.writeSyncStep2(e, r.doc, payload);
          }));
        } else if (viewer && changes(r.doc, payload)) {
          ws.close(COLLAB_CLOSE.READ_ONLY, 'viewers cannot edit this storyboard');
        } else {
          Y.applyUpdate(r.doc, payload, ws);
        }
      } else if (type === MESSAGE_AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(r.awareness, decoding.readVarUint8Array(decoder), ws);
      } else if (type === MESSAGE_QUERY_AWARENESS) {
        ws.send(frame((e) => {
          encoding.writeVarUint(e, MESSAGE_AWARENESS);
          encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(r.awareness, [...r.awareness.getStates().keys()]));
        }));
      }
    });
    ws.on('close', () => {
      const ids = r.conns.get(ws);
      r.conns.delete(ws);
      if (ids?.size) awarenessProtocol.removeAwarenessStates(r.awareness, [...ids], null);
    });

    // The server's half of the handshake: its state vector, then who is here.
    ws.send(frame((e) => {
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(e, r.doc);
    }));
    if (r.awareness.getStates().size > 0) {
      ws.send(frame((e) => {
        encoding.writeVarUint(e, MESSAGE_AWARENESS);
        encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(r.awareness, [...r.awareness.getStates().keys()]));
      }));
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `ws://127.0.0.1:${port}`,
    doc: (name) => room(name).doc,
    awareness: (name) => room(name).awareness,
    connections: (name) => rooms.get(name)?.conns.size ?? 0,
    attempts: (name) => attempts.get(name) ?? 0,
    drop(name, code = COLLAB_CLOSE.GOING_AWAY) {
      for (const c of rooms.get(name)?.conns.keys() ?? []) c.close(code, 'dropped by the test');
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const r of rooms.values()) r.doc.destroy();
    },
  };
}

/**
 * Waits until `check` holds, re-checking after every macrotask (socket messages and timers get to
 * run in between); fails after `ms` with `what`. A bound on a wait, never a timed assertion.
 */
export async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
