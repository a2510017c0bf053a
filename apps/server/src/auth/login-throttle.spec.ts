import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';
import { MemoryLoginThrottle, type LoginThrottle } from './login-throttle';
import { RedisLoginThrottle } from './login-throttle-redis';
import { deleteRedisKeys } from '../testing/redis-keys';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMITS = { LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60', LOGIN_ADDRESS_MAX_FAILURES: '10', LOGIN_USER_SLOW_AFTER: '6' };

/** Each implementation with a fresh state per test; the Redis one under its own prefix, removed afterwards. */
interface Kind {
  name: string;
  setUp(): Promise<void>;
  make(): Promise<LoginThrottle>;
  tearDown(): Promise<void>;
}

const memory: Kind = {
  name: 'memory',
  setUp: async () => undefined,
  make: async () => new MemoryLoginThrottle(loadConfig(LIMITS)),
  tearDown: async () => undefined,
};

const redis = ((): Kind => {
  const runPrefix = `reelcraft-test:${process.pid}:${Date.now().toString(36)}:`;
  let made = 0;
  let connections: RedisConnections | undefined;
  let config: AppConfig;
  return {
    name: 'redis',
    async setUp() {
      config = loadConfig({ ...LIMITS, REDIS_URL, REDIS_PREFIX: runPrefix });
      connections = new RedisConnections(config);
      await connections.onModuleInit();
      if (!connections.ready) throw new Error(`Redis at ${REDIS_URL} is not reachable: these tests need it`);
    },
    // A prefix per test, so the counts of one test never meet another's.
    async make() {
      made += 1;
      return new RedisLoginThrottle(config, connections!, `${runPrefix}login-${made}:`);
    },
    async tearDown() {
      const removed = await deleteRedisKeys(connections!.command!, runPrefix);
      await connections!.onApplicationShutdown();
      // The counts were in Redis, not in the stand-in this throttle falls back to while Redis is away.
      expect(removed).toBeGreaterThan(0);
    },
  };
})();

describe.each([memory, redis])('LoginThrottle in $name', (kind) => {
  let throttle: LoginThrottle;
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());
  beforeEach(async () => {
    // Only the clock: the Redis client's own timers and sockets keep running.
    vi.useFakeTimers({ toFake: ['Date'] });
    throttle = await kind.make();
  });
  afterEach(() => vi.useRealTimers());

  const fail = async (user: string, addr: string, times = 1) => {
    for (let i = 0; i < times; i++) await throttle.recordFailure(user, addr);
  };
  const retryAfter = async (user: string, addr: string) => (await throttle.verdict(user, addr)).retryAfterSeconds;
  const delay = async (user: string, addr: string) => (await throttle.verdict(user, addr)).delayMs;

  it('locks the (username, address) pair after the allowed failures, for the lock time', async () => {
    await fail('bob', '10.0.0.9', 2);
    expect(await retryAfter('bob', '10.0.0.9')).toBe(0);
    await fail('bob', '10.0.0.9');
    expect(await retryAfter('bob', '10.0.0.9')).toBe(60);
    vi.advanceTimersByTime(45_000);
    expect(await retryAfter('bob', '10.0.0.9')).toBe(15);
    vi.advanceTimersByTime(15_001);
    expect(await retryAfter('bob', '10.0.0.9')).toBe(0);
  });

  it('never locks the account for another address, nor another case of the name', async () => {
    await fail('admin', '10.0.0.66', 3);
    expect(await retryAfter('admin', '10.0.0.66')).toBe(60);
    expect(await throttle.verdict('admin', '10.0.0.2')).toEqual({ retryAfterSeconds: 0, delayMs: 0 });
    await fail('ADMIN', '10.0.0.67', 3);
    expect(await retryAfter('admin', '10.0.0.67')).toBe(0);
  });

  it('locks an address that sprays passwords over many usernames', async () => {
    for (let i = 0; i < 9; i++) await fail(`user${i}`, '10.0.0.5');
    expect(await retryAfter('someone', '10.0.0.5')).toBe(0);
    await fail('user9', '10.0.0.5');
    expect(await retryAfter('someone', '10.0.0.5')).toBe(60);
    expect(await retryAfter('someone', '10.0.0.6')).toBe(0);
  });

  it('slows a username attacked from many addresses with a growing delay, and never refuses it', async () => {
    for (let i = 0; i < 5; i++) await fail('carol', `10.1.0.${i}`);
    expect(await delay('carol', '10.9.9.9')).toBe(0);
    await fail('carol', '10.1.0.5');
    expect(await throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 250 });
    await fail('carol', '10.1.0.6');
    await fail('carol', '10.1.0.7');
    expect(await throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 1000 });
    for (let i = 8; i < 40; i++) await fail('carol', `10.1.0.${i}`);
    expect(await throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 8000 });
    vi.advanceTimersByTime(61_000);
    expect(await delay('carol', '10.9.9.9')).toBe(0);
  });

  it('lets failures far apart not add up, and a success start the pair again', async () => {
    await fail('amy', '10.0.0.1', 2);
    vi.advanceTimersByTime(61_000);
    await fail('amy', '10.0.0.1');
    expect(await retryAfter('amy', '10.0.0.1')).toBe(0);
    await fail('amy', '10.0.0.1');
    await throttle.recordSuccess('amy', '10.0.0.1');
    await fail('amy', '10.0.0.1');
    expect(await retryAfter('amy', '10.0.0.1')).toBe(0);
  });
});
