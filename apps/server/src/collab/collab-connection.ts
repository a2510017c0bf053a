import type { WebSocket } from 'ws';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { COLLAB_CLOSE } from '@reelcraft/shared';
import { TokenBucket, type CollabLimits } from './collab-limits';
import { MalformedMessage, parseClientMessage } from './collab-protocol';
import type { DocPeer, HostedDoc } from './hosted-doc';

/**
 * One /collab WebSocket. Frames are checked here (size, rate, framing) before the document sees
 * them; any breach closes this socket alone with its code. Frames that arrive while the upgrade is
 * still being authorised are kept and replayed in order once the document is attached.
 */
export class CollabConnection implements DocPeer {
  user: AuthenticatedUser | null = null;
  /** Changes when the member's role changes while connected. */
  readOnly = true;
  private doc: HostedDoc | null = null;
  private early: Buffer[] | null = [];
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private alive = true;

  constructor(readonly ws: WebSocket, private readonly limits: CollabLimits, readonly projectId: string) {
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.bytes = new TokenBucket(limits.bytesPerSecond, limits.byteBurst);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    // A reset peer is an ordinary way for a socket to end; the close event that follows cleans up.
    ws.on('error', () => undefined);
  }

  get userId(): string {
    return this.user?.id ?? '';
  }

  get userName(): string {
    return this.user?.username ?? '';
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Joins the document and replays the frames that arrived during authorisation. */
  attach(doc: HostedDoc, user: AuthenticatedUser, readOnly: boolean): void {
    this.user = user;
    this.readOnly = readOnly;
    this.doc = doc;
    doc.join(this);
    const early = this.early ?? [];
    this.early = null;
    for (const frame of early) if (this.open) this.dispatch(frame);
  }

  send(frame: Uint8Array): void {
    if (this.open) this.ws.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    this.ws.close(code, clip(reason));
  }

  /** Called on the ping period: a peer that did not answer the last ping is gone. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.open) this.ws.ping();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (!this.open) return;
    if (data.byteLength > this.limits.frameBytes) {
      return this.close(COLLAB_CLOSE.TOO_LARGE, `frame of ${data.byteLength} bytes exceeds ${this.limits.frameBytes}`);
    }
    if (!this.messages.take(1) || !this.bytes.take(data.byteLength)) {
      return this.close(COLLAB_CLOSE.RATE_LIMITED, 'too many messages: slow down');
    }
    if (!isBinary) return this.close(COLLAB_CLOSE.MALFORMED, 'text frames are not part of the protocol');
    if (this.early) {
      // Authorisation takes one or two queries; the burst limit already bounds what can pile up.
      this.early.push(data);
      return;
    }
    this.dispatch(data);
  }

  private dispatch(data: Buffer): void {
    try {
      this.doc!.handle(this, parseClientMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    } catch (err) {
      if (err instanceof MalformedMessage) return this.close(COLLAB_CLOSE.MALFORMED, err.message);
      throw err;
    }
  }
}

/** WebSocket close reasons are limited to 123 bytes of UTF-8. */
function clip(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let out = reason.slice(0, 120);
  while (Buffer.byteLength(out + '…') > 123) out = out.slice(0, -1);
  return out + '…';
}
