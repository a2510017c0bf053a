import { Logger } from '@nestjs/common';
import { oneLine } from '../common/one-line';
import type { AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';
import { LoginThrottle, MemoryLoginThrottle, addressKey, pairKey, userKey, type Failures, type LoginVerdict } from './login-throttle';

/**
 * Counts the three keys in one step, with the rules of the memory throttle: a failure further than
 * the lock window from the previous one starts the count again, and reaching the ceiling locks the
 * key for the window from now. A ceiling of 0 never locks (the username only slows). Each key
 * expires once nothing in it can matter any more (the window, plus a minute for clock skew).
 * KEYS: pair, address, username. ARGV: now, lock ms, pair ceiling, address ceiling, key lifetime ms.
 */
const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local lockMs = tonumber(ARGV[2])
local ttl = tonumber(ARGV[5])
local function count(key, max)
  local f = redis.call('HMGET', key, 'count', 'lastAt', 'lockedUntil')
  local c = tonumber(f[1]) or 0
  local last = tonumber(f[2]) or now
  local locked = tonumber(f[3]) or 0
  if now - last > lockMs then c = 0 end
  c = c + 1
  if max > 0 and c >= max then locked = now + lockMs end
  redis.call('HSET', key, 'count', c, 'lastAt', string.format('%d', now), 'lockedUntil', string.format('%d', locked))
  redis.call('PEXPIRE', key, ttl)
end
count(KEYS[1], tonumber(ARGV[3]))
count(KEYS[2], tonumber(ARGV[4]))
count(KEYS[3], 0)
return 1
`;

/** Beyond the window, so a server whose clock runs a little ahead still finds the key. */
const SKEW_MARGIN_MS = 60_000;

/**
 * The login throttle of the scaled mode: the counts live in Redis under REDIS_PREFIX + `login:`,
 * so failures on one instance lock the sign-in on every other. Times are the server's clock
 * (instances are expected to keep theirs in step, as NTP does; a skew of seconds against a
 * window of minutes changes nothing). While Redis is away each instance counts in its own memory
 * rather than let sign-ins through uncounted or refuse them all.
 */
export class RedisLoginThrottle extends LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');
  private readonly fallback: MemoryLoginThrottle;
  private degraded = false;

  /** `keyPrefix`: where the counts live (tests give each case its own). */
  constructor(
    config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly keyPrefix = `${redis.prefix}login:`,
  ) {
    super(config);
    if (!redis.enabled) throw new Error('the Redis login throttle needs REDIS_URL');
    this.fallback = new MemoryLoginThrottle(config);
  }

  verdict(username: string, address: string): Promise<LoginVerdict> {
    return this.shared(
      async (r) => {
        const fields = ['count', 'lastAt', 'lockedUntil'];
        const keys = [pairKey(username, address), addressKey(address), userKey(username)].map((k) => this.keyPrefix + k);
        const rows = await r.pipeline(keys.map((k) => ['hmget', k, ...fields])).exec();
        const [pair, addr, user] = (rows ?? []).map(([err, row]) => {
          if (err) throw err;
          return toFailures(row as (string | null)[]);
        });
        return this.decide(pair, addr, user, Date.now());
      },
      () => this.fallback.verdict(username, address),
    );
  }

  recordFailure(username: string, address: string): Promise<void> {
    return this.shared(
      async (r) => {
        const keys = [pairKey(username, address), addressKey(address), userKey(username)].map((k) => this.keyPrefix + k);
        await r.eval(RECORD_FAILURE, keys.length, ...keys, Date.now(), this.lockMs, this.pairMax, this.addressMax, this.lockMs + SKEW_MARGIN_MS);
      },
      () => this.fallback.recordFailure(username, address),
    );
  }

  recordSuccess(username: string, address: string): Promise<void> {
    return this.shared(
      async (r) => void (await r.del(this.keyPrefix + pairKey(username, address))),
      () => this.fallback.recordSuccess(username, address),
    );
  }

  private async shared<T>(inRedis: (r: NonNullable<RedisConnections['command']>) => Promise<T>, locally: () => Promise<T>): Promise<T> {
    const r = this.redis.command;
    if (r && this.redis.ready) {
      try {
        const result = await inRedis(r);
        if (this.degraded) this.logger.log('sign-in failures are counted in Redis again');
        this.degraded = false;
        return result;
      } catch (err) {
        this.warnOnce(oneLine(err));
      }
    } else this.warnOnce('Redis is not connected');
    return locally();
  }

  private warnOnce(why: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(`sign-in failures are counted by this instance alone until Redis is back (${why})`);
  }
}

function toFailures(row: (string | null)[] | null): Failures | undefined {
  if (!row || row[0] === null) return undefined;
  return { count: Number(row[0]), lastAt: Number(row[1]), lockedUntil: Number(row[2]) };
}
