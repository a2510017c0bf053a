import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';

/** One counted key: failures in the current window, when the last came, and until when it is locked (ms since the epoch). */
export interface Failures {
  count: number;
  lockedUntil: number;
  lastAt: number;
}

/** What the throttle says about one sign-in attempt before the password is checked. */
export interface LoginVerdict {
  /** Seconds until this address may try this username (or any username) again; 0: it may now. */
  retryAfterSeconds: number;
  /** How long to hold the attempt first: the username is under attack from many places. */
  delayMs: number;
}

/** The slowdown of a username under attack: 250 ms, doubling with each failure past the ceiling, at most 8 s. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8000;

/**
 * Failed sign-ins, counted so that nobody can lock someone else out:
 *
 * - per (username, address) pair: after `loginMaxFailures` the pair is locked for
 *   `loginLockSeconds`. Only the guesser's own address is shut out; the owner of the account
 *   signs in from theirs.
 * - per address, across usernames: a much higher ceiling (`loginAddressMaxFailures`), so one
 *   address cannot spray a password over every account.
 * - per username, from anywhere: past a high ceiling (`loginUserSlowAfter`) every attempt for
 *   that name is held for a growing delay. It slows a guesser spread over many addresses and
 *   never refuses, so a correct password from a clean address still signs in.
 *
 * Usernames are exact, as the users table compares them: "ADMIN" is another name, and its
 * failures count against nobody else. Two implementations with the same rules: in this process's
 * memory (one box: a restart forgets the counts) and in Redis (scaled mode: every instance counts
 * into the same keys). Which one is decided at start, by REDIS_URL.
 */
export abstract class LoginThrottle {
  protected readonly pairMax: number;
  protected readonly addressMax: number;
  protected readonly userSlowAfter: number;
  protected readonly lockMs: number;

  constructor(config: AppConfig) {
    this.pairMax = config.auth.loginMaxFailures;
    this.addressMax = config.auth.loginAddressMaxFailures;
    this.userSlowAfter = config.auth.loginUserSlowAfter;
    this.lockMs = config.auth.loginLockSeconds * 1000;
  }

  abstract verdict(username: string, address: string): Promise<LoginVerdict>;
  abstract recordFailure(username: string, address: string): Promise<void>;
  /** The pair starts again; the address and the username keep their counts (a success from one place says nothing of the others). */
  abstract recordSuccess(username: string, address: string): Promise<void>;

  /** The verdict from the three counts as they stand at `now`. */
  protected decide(pair: Failures | undefined, address: Failures | undefined, user: Failures | undefined, now: number): LoginVerdict {
    const lockedUntil = (f: Failures | undefined) => (f && f.lockedUntil > now ? f.lockedUntil : 0);
    const until = Math.max(lockedUntil(pair), lockedUntil(address));
    // Failures of the username still inside the window.
    const live = user && now - user.lastAt <= this.lockMs ? user.count : 0;
    const beyond = live - this.userSlowAfter;
    return {
      retryAfterSeconds: until > now ? Math.ceil((until - now) / 1000) : 0,
      delayMs: beyond >= 0 ? Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(beyond, 16)) : 0,
    };
  }
}

/** The counts in this process's memory (embedded mode, and the Redis throttle's stand-in while Redis is away). */
@Injectable()
export class MemoryLoginThrottle extends LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config);
  }

  verdict(username: string, address: string): Promise<LoginVerdict> {
    const f = this.failures;
    return Promise.resolve(this.decide(f.get(pairKey(username, address)), f.get(addressKey(address)), f.get(userKey(username)), Date.now()));
  }

  recordFailure(username: string, address: string): Promise<void> {
    const now = Date.now();
    this.prune(now);
    this.count(pairKey(username, address), this.pairMax, now);
    this.count(addressKey(address), this.addressMax, now);
    // Never locked: the per-username count only slows.
    this.count(userKey(username), Number.POSITIVE_INFINITY, now);
    return Promise.resolve();
  }

  recordSuccess(username: string, address: string): Promise<void> {
    this.failures.delete(pairKey(username, address));
    return Promise.resolve();
  }

  private count(key: string, max: number, now: number): void {
    const f = this.failures.get(key) ?? { count: 0, lockedUntil: 0, lastAt: now };
    // Failures spread wider apart than the lock window do not add up.
    if (now - f.lastAt > this.lockMs) f.count = 0;
    f.count += 1;
    f.lastAt = now;
    if (f.count >= max) f.lockedUntil = now + this.lockMs;
    this.failures.set(key, f);
  }

  /** Keeps the map bounded under a spray of usernames. */
  private prune(now: number): void {
    if (this.failures.size < 10_000) return;
    for (const [key, f] of this.failures) if (f.lockedUntil <= now && now - f.lastAt > this.lockMs) this.failures.delete(key);
  }
}

export const pairKey = (username: string, address: string) => `pair:${address}\u0000${username}`;
export const addressKey = (address: string) => `addr:${address}`;
export const userKey = (username: string) => `user:${username}`;
