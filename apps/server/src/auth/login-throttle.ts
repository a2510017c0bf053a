import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';

interface Failures {
  count: number;
  lockedUntil: number;
  lastAt: number;
}

/**
 * Counts failed logins per username and per client address. After `loginMaxFailures` failures
 * the key is locked for `loginLockSeconds`; a success clears the username's count.
 * In memory: a restart forgets the counts, which is acceptable for one box.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly max: number;
  private readonly lockMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.max = config.auth.loginMaxFailures;
    this.lockMs = config.auth.loginLockSeconds * 1000;
  }

  /** Seconds until the first locked key opens again, or 0 when none of the keys is locked. */
  retryAfterSeconds(keys: string[]): number {
    const now = Date.now();
    let until = 0;
    for (const key of keys) {
      const f = this.failures.get(key);
      if (f && f.lockedUntil > now) until = Math.max(until, f.lockedUntil);
    }
    return until ? Math.ceil((until - now) / 1000) : 0;
  }

  recordFailure(keys: string[]): void {
    const now = Date.now();
    this.prune(now);
    for (const key of keys) {
      const f = this.failures.get(key) ?? { count: 0, lockedUntil: 0, lastAt: now };
      // Failures spread wider apart than the lock window do not add up.
      if (now - f.lastAt > this.lockMs) f.count = 0;
      f.count += 1;
      f.lastAt = now;
      if (f.count >= this.max) f.lockedUntil = now + this.lockMs;
      this.failures.set(key, f);
    }
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  /** Keeps the map bounded under a spray of usernames. */
  private prune(now: number): void {
    if (this.failures.size < 10_000) return;
    for (const [key, f] of this.failures) if (f.lockedUntil <= now && now - f.lastAt > this.lockMs) this.failures.delete(key);
  }
}
