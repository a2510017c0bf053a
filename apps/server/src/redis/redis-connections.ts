import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis, { type RedisOptions } from 'ioredis';
import { oneLine } from '../common/one-line';
import { APP_CONFIG, type AppConfig } from '../config/config';

type BufferHandler = (message: Buffer) => void;

/** The longest a subscriber waits for Redis to confirm a subscription before going on without it. */
const SUBSCRIBE_WAIT_MS = 2000;

/** What ends a first connection attempt, for better or worse. */
const SETTLING_EVENTS = ['ready', 'error', 'close', 'end'] as const;

/**
 * The Redis connections of one server instance when REDIS_URL is set (scaled mode), and nothing
 * at all when it is not: `enabled` is false, no client exists and no connection is attempted.
 *
 * Three connections: `command` (keys and PUBLISH; no offline queue, so a call during an outage
 * fails at once instead of holding a login or a socket event until Redis comes back), `subscriber`
 * for this instance's own channels, and one more subscriber that the Socket.IO adapter takes over.
 * An outage is logged once per connection when it starts and once when it ends; ioredis keeps
 * reconnecting and re-subscribes by itself, and `onRecovered` listeners hear when it is over.
 */
@Injectable()
export class RedisConnections implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  /** Put before every key and channel name, so several studios (or test runs) can share one Redis. */
  readonly prefix: string;
  /** Messages this instance published carry it, so it can skip its own when they come back. */
  readonly instanceId = randomUUID();
  private readonly logger = new Logger('Redis');
  private readonly clients: Redis[] = [];
  /** Per channel (prefix included): its handlers, every one taking the raw bytes. */
  private readonly handlers = new Map<string, Set<BufferHandler>>();
  private readonly recoveredListeners = new Set<() => void>();
  /** The command or subscriber connection was lost since both were last ready. */
  private interrupted = false;
  /** Set once command and subscriber were both ready. */
  private wasReady = false;
  /** A publication failed since the command connection was last ready (logged once). */
  private publishFailing = false;
  private shuttingDown = false;
  private readonly commandClient: Redis | null = null;
  private readonly subscriberClient: Redis | null = null;
  private readonly adapterSubscriber: Redis | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.prefix = config.redis?.prefix ?? '';
    this.enabled = config.redis !== undefined;
    if (!this.enabled) return;
    this.commandClient = this.client('command', { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 5000 });
    // Subscribers carry only (un)subscriptions: one sent during an outage waits for the connection
    // instead of failing after ioredis's 20 reconnect attempts, which would lose the channel.
    this.subscriberClient = this.client('subscriber', { maxRetriesPerRequest: null });
    this.adapterSubscriber = this.client('socket.io subscriber', { maxRetriesPerRequest: null });
    // Only the bytes: a text subscriber decodes them itself, as ioredis's 'message' event would.
    this.subscriberClient.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      for (const handle of this.handlers.get(name) ?? []) {
        try {
          handle(message);
        } catch (err) {
          this.logger.error(`a message on ${name} could not be handled: ${oneLine(err)}`);
        }
      }
    });
    for (const c of [this.commandClient, this.subscriberClient]) {
      // Closes before both were first ready belong to a slow start, not to an outage.
      c.on('close', () => {
        if (this.wasReady) this.interrupted = true;
      });
      c.on('ready', () => void this.maybeRecovered());
    }
    this.commandClient.on('ready', () => (this.publishFailing = false));
  }

  /** The connection for keys and PUBLISH; null without REDIS_URL. */
  get command(): Redis | null {
    return this.commandClient;
  }

  /** The server is stopping and these connections close: callers' timers that fire now keep to themselves. */
  get closing(): boolean {
    return this.shuttingDown;
  }

  /**
   * Waits up to `ms` while the command connection's first attempt is under way (timers that start
   * with the server fire before onModuleInit's connect has finished), so that a start is not taken
   * for an outage; at once in every other state.
   */
  async startedWithin(ms: number): Promise<void> {
    const client = this.commandClient;
    if (!client || this.wasReady || !['wait', 'connecting', 'connect'].includes(client.status)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const event of SETTLING_EVENTS) client.off(event, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const event of SETTLING_EVENTS) client.once(event, done);
    });
  }

  /** Whether the command connection is up now (callers fall back to local behaviour when it is not). */
  get ready(): boolean {
    return this.commandClient?.status === 'ready';
  }

  /**
   * Connects at start; a Redis that is down then is logged and retried, and the server starts
   * anyway. The gateway's adapter has queued its subscriptions by now: a PING behind them on the
   * same connection returns once Redis confirmed them, so the instance hears others from its start.
   */
  async onModuleInit(): Promise<void> {
    await Promise.all(
      this.clients.map(async (c) => {
        try {
          await c.connect();
          await c.ping();
        } catch {
          // Already logged by the error listener; ioredis goes on reconnecting.
        }
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(
      this.clients.map(async (c) => {
        try {
          if (c.status === 'ready') await c.quit();
          else c.disconnect();
        } catch {
          c.disconnect();
        }
      }),
    );
  }

  /**
   * Handles every message on `prefix + name` as UTF-8 text. Resolves once Redis confirmed the
   * subscription (or at once while Redis is down: the subscription is made when it comes back).
   * The returned function removes the handler, and the subscription with the channel's last one.
   */
  subscribe(name: string, handle: (message: string) => void): Promise<() => void> {
    return this.subscribeBuffer(name, (message) => handle(message.toString()));
  }

  /** As `subscribe`, with the message as bytes (Yjs updates are binary). */
  async subscribeBuffer(name: string, handle: BufferHandler): Promise<() => void> {
    const sub = this.subscriberClient;
    if (!sub) throw new Error('Redis is not configured (REDIS_URL is unset)');
    const channel = this.prefix + name;
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handle);
    if (set.size === 1) {
      const subscribed = sub.subscribe(channel).then(
        () => true,
        (err: unknown) => {
          this.logger.error(`could not subscribe to ${channel}: ${oneLine(err)}`);
          return false;
        },
      );
      // A connection that looks ready may be cut without knowing it yet: wait for the confirmation a
      // while, not for ever (the subscription goes out when the connection is back either way).
      if (sub.status === 'ready') await Promise.race([subscribed, sleep(SUBSCRIBE_WAIT_MS, false, { ref: false })]);
    }
    const handlers = set;
    return () => {
      if (!handlers.delete(handle) || handlers.size > 0) return;
      if (this.handlers.get(channel) === handlers) this.handlers.delete(channel);
      // A later subscribe to the same channel is queued behind this on the same connection, so it wins.
      sub.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Publishes on `prefix + name`; false (and one log line) when Redis could not take it. */
  async publish(name: string, message: string | Buffer): Promise<boolean> {
    if (!this.commandClient) return false;
    try {
      await this.commandClient.publish(this.prefix + name, message);
      return true;
    } catch (err) {
      // Once per outage: during one, every keystroke of every document would add a line.
      if (!this.publishFailing) this.logger.warn(`could not publish on ${this.prefix + name} (and maybe more until Redis is back): ${oneLine(err)}`);
      this.publishFailing = true;
      return false;
    }
  }

  /** `publish` for bytes, under the name callers already use. */
  publishBuffer(name: string, message: Buffer): Promise<boolean> {
    return this.publish(name, message);
  }

  /**
   * Calls `listener` each time this instance's connections come back after an outage, once the
   * subscriber's channels are subscribed again: whatever other instances published meanwhile
   * never reached this one, and what this one published was dropped. Not called for the first
   * connection at start. Returns the function that removes the listener.
   */
  onRecovered(listener: () => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  /**
   * The two clients @socket.io/redis-adapter needs. Its publishes are fire-and-forget (it never
   * awaits them): during an outage each would be an unhandled rejection per event, so they go
   * through a publisher that counts what was dropped and says so in one line per outage.
   */
  socketIoClients(): { pub: Redis; sub: Redis } | null {
    if (!this.commandClient || !this.adapterSubscriber) return null;
    return { pub: this.quietPublisher(this.commandClient), sub: this.adapterSubscriber };
  }

  private quietPublisher(client: Redis): Redis {
    let dropped = 0;
    client.on('ready', () => {
      if (dropped) this.logger.warn(`${dropped} Socket.IO event(s) could not reach the other instances while Redis was away`);
      dropped = 0;
    });
    const publish = (channel: string, message: string | Buffer) =>
      client.publish(channel, message).catch(() => {
        dropped += 1;
        return 0;
      });
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'publish') return publish;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * Both connections are ready again. ioredis sends the re-subscriptions before it emits 'ready'
   * (the event is deferred a tick), so a PING on the subscriber, queued behind them, answers once
   * Redis confirmed them: from then on every publication reaches this instance, and a catch-up
   * read made afterwards misses nothing in between.
   */
  private async maybeRecovered(): Promise<void> {
    const sub = this.subscriberClient;
    if (this.commandClient?.status !== 'ready' || sub?.status !== 'ready') return;
    this.wasReady = true;
    if (!this.interrupted) return;
    try {
      await sub.ping();
    } catch {
      // Lost again before the answer: the next 'ready' tries again.
      return;
    }
    if (!this.interrupted || this.commandClient.status !== 'ready' || sub.status !== 'ready') return;
    this.interrupted = false;
    this.logger.log('connections to Redis are back: catching up with what was published meanwhile');
    for (const listener of this.recoveredListeners) {
      try {
        listener();
      } catch (err) {
        this.logger.error(`a recovery listener failed: ${oneLine(err)}`);
      }
    }
  }

  private client(role: string, options: RedisOptions): Redis {
    const client = new Redis(this.config.redis!.url, {
      lazyConnect: true,
      // Bounded backoff: a Redis that comes back is found within two seconds.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      ...options,
    });
    let down = false;
    client.on('error', (err: Error) => {
      if (down) return;
      down = true;
      this.logger.error(`${role} connection to Redis failed, retrying: ${oneLine(err)}`);
    });
    client.on('ready', () => {
      if (down) this.logger.log(`${role} connection to Redis is back`);
      down = false;
    });
    this.clients.push(client);
    return client;
  }
}
