import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { WebSocket } from 'ws';

/**
 * What the hostile-input suite sends and reads on the wire, below the convenience of fetch: any
 * method, path, header and body bytes a client could put on a socket, and what came back.
 */

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Closes the pooled keep-alive sockets (afterAll), so the server can close without waiting on them. */
export function closeAgent(): void {
  agent.destroy();
}

/**
 * Bytes outside visible ASCII percent-encoded, so node:http takes any generated path (it refuses
 * spaces and control characters itself; the server never sees those raw through a real client).
 * A `%` is kept as it is: broken escapes such as `%E0%A4%A` or `%zz` reach the server unchanged.
 */
export function wirePath(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One HTTP request through node:http (keep-alive), the body sent as given. */
export function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: hostname, port: Number(port), method, path: wirePath(path), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.end(body);
  });
}

export interface RawReply {
  /** The status of the first response, null when the server answered nothing before closing or the wait ended. */
  status: number | null;
  text: string;
  /** The wait ended before the server closed the connection. */
  timedOut: boolean;
}

/**
 * Writes these bytes on a fresh TCP connection, half-closes it (so a body shorter than its
 * Content-Length ends instead of waiting), and reads whatever the server answers until it
 * closes or `waitMs` passes.
 */
export function rawHttp(port: number, bytes: Buffer, waitMs = 2000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, timedOut });
    };
    const timer = setTimeout(() => finish(true), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => {
      socket.write(bytes);
      socket.end();
    });
  });
}

/** A WebSocket client with its frames and close collected, for raw protocol traffic. */
export interface RawSocket {
  ws: WebSocket;
  opened: Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
  frames: (Buffer | string)[];
  /** Resolves with the next frame that arrives (or null once the socket closes). */
  next(timeoutMs?: number): Promise<Buffer | string | null>;
  isClosed(): boolean;
}

export function rawSocket(url: string, headers: Record<string, string> = {}): RawSocket {
  const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
  const frames: (Buffer | string)[] = [];
  const waiting: ((f: Buffer | string | null) => void)[] = [];
  let closed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = isBinary ? data : data.toString('utf8');
    const w = waiting.shift();
    if (w) w(frame);
    else frames.push(frame);
  });
  const closedP = new Promise<{ code: number; reason: string }>((res) =>
    ws.once('close', (code, reason) => {
      closed = true;
      for (const w of waiting.splice(0)) w(null);
      res({ code, reason: reason.toString() });
    }),
  );
  // A refused or reset connection is an answer too: the close above tells what happened.
  ws.on('error', () => undefined);
  const opened = new Promise<boolean>((res) => {
    ws.once('open', () => res(true));
    ws.once('close', () => res(false));
  });
  return {
    ws,
    opened,
    closed: closedP,
    frames,
    isClosed: () => closed,
    next(timeoutMs = 2000) {
      if (frames.length) return Promise.resolve(frames.shift()!);
      if (closed) return Promise.resolve(null);
      return new Promise((res) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(done);
          if (i >= 0) waiting.splice(i, 1);
          res(null);
        }, timeoutMs);
        const done = (f: Buffer | string | null) => {
          clearTimeout(timer);
          res(f);
        };
        waiting.push(done);
      });
    },
  };
}

/** Sends one frame unless the socket has gone (a close the server chose is an answer, not an error). */
export function sendFrame(s: RawSocket, frame: Buffer | Uint8Array | string, binary = typeof frame !== 'string'): Promise<void> {
  return new Promise((res) => {
    if (s.ws.readyState !== WebSocket.OPEN) return res();
    s.ws.send(frame, { binary }, () => res());
  });
}

/**
 * What no answer may contain: a stack frame, a source path, or an error class's own text
 * (the generated inputs never contain these, so an echo of the input cannot match).
 */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /(^|\n|\\n)\s*at [^\s].*[:(]/],
  ['source path', /\/apps\/server\/|\/libs\/(shared|inference|filter)\/|node_modules/],
  ['source location', /\.(ts|js|mjs|cjs):\d+:\d+/],
  ['error class', /\b(TypeError|ReferenceError|RangeError|QueryFailedError|SqliteError|EntityNotFoundError)\b/],
  ['database text', /SQLITE_[A-Z]+|violates .* constraint|invalid byte sequence|syntax error at or near/],
];

/** Null when the text leaks nothing; otherwise what it leaks. */
export function leakIn(text: string): string | null {
  for (const [what, re] of LEAKS) if (re.test(text)) return what;
  return null;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
