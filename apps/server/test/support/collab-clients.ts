import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** A stock y-websocket client, as the studio uses it, pointed at a test server. */
export interface Editor {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** The terminal close the server sent (4xxx), once it happened. */
  closed: Promise<{ code: number; reason: string }>;
  destroy(): void;
}

export function connectEditor(baseUrl: string, projectId: string, token: string | null, doc = new Y.Doc()): Editor {
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/collab', projectId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: token ? { token } : {},
    disableBc: true,
    maxBackoffTime: 300,
  });
  const closed = new Promise<{ code: number; reason: string }>((res) => provider.on('closed', (e) => res(e)));
  return {
    doc,
    provider,
    closed,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function until<T>(what: string, check: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const synced = (e: Editor) => until('sync', () => e.provider.synced);

/** A raw WebSocket to /collab for frames no stock client would send; resolves with the close. */
export function rawSocket(baseUrl: string, projectId: string, token: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/collab/${projectId}?token=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const closed = new Promise<{ code: number; reason: string }>((res) => ws.once('close', (code, reason) => res({ code, reason: reason.toString() })));
  // The server's first frames (sync step 1, awareness) mean the upgrade was authorised.
  const firstMessage = new Promise<void>((res) => ws.once('message', () => res()));
  return { ws, opened, closed, firstMessage };
}
