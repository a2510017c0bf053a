import { Injectable } from '@nestjs/common';
import { COLLAB_LIMITS } from '@reelcraft/shared';

/**
 * The limits of live co-editing, one object per server. Fields are read at the moment they apply
 * (a new connection, the next frame), so tests and benchmarks can tighten them on a running app
 * through `app.get(CollabLimits)` without a restart.
 */
@Injectable()
export class CollabLimits {
  /** The shared limits are the defaults, so the studio and the server agree on them. */
  frameBytes: number = COLLAB_LIMITS.maxFrameBytes;
  /** Frames past this size are cut by `ws` itself before they are buffered (close 1009). */
  get hardFrameBytes(): number {
    return this.frameBytes * 2;
  }
  documentBytes: number = COLLAB_LIMITS.maxDocumentBytes;
  awarenessBytes: number = COLLAB_LIMITS.maxAwarenessBytes;
  /** Presence states one connection may hold: a tab has one; more is someone inventing people. */
  awarenessStatesPerConnection = 4;
  /**
   * Presence changes one connection may make (focus moves, the 15-second heartbeat); past them a
   * change is dropped, so a flood never reaches the other members. Echoes of others' changes,
   * which the stock client sends back, are dropped before they count.
   */
  awarenessUpdatesPerSecond = 10;
  awarenessUpdateBurst = 40;
  /** Token bucket per connection: a stock client sends one message per keystroke or cursor move. */
  messagesPerSecond: number = COLLAB_LIMITS.messagesPerSecond;
  messageBurst: number = COLLAB_LIMITS.messageBurst;
  /** A second bucket on bytes, so a burst of maximum-size frames is refused too. */
  bytesPerSecond = 4 * 1024 * 1024;
  byteBurst = 8 * 1024 * 1024;
  /** After this many stored updates a document's rows are merged into one snapshot row. */
  compactEvery = 500;
  /** How long a document nobody has open stays in memory (a page reload must not reload it). */
  unloadAfterMs = 30_000;
  /**
   * WebSocket ping period; a peer that misses one pong is dropped. Browsers answer pings without
   * running page code, so only a lost network misses one: its presence then leaves the others'
   * screens within 10-20 s instead of lingering for the awareness timeout.
   */
  pingIntervalMs = 10_000;
}

/** A token bucket: `take(n)` is false once more than the burst has arrived faster than the rate. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly ratePerSecond: number, private readonly burst: number) {
    this.tokens = burst;
  }

  take(n = 1): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}
