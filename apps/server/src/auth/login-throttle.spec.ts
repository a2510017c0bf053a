import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config';
import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let throttle: LoginThrottle;
  beforeEach(() => {
    vi.useFakeTimers();
    throttle = new LoginThrottle(loadConfig({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60' }));
  });
  afterEach(() => vi.useRealTimers());

  it('locks a key after the allowed failures, for the lock time', () => {
    const keys = ['user:bob', 'addr:1.2.3.4'];
    throttle.recordFailure(keys);
    throttle.recordFailure(keys);
    expect(throttle.retryAfterSeconds(keys)).toBe(0);
    throttle.recordFailure(keys);
    expect(throttle.retryAfterSeconds(keys)).toBe(60);
    expect(throttle.retryAfterSeconds(['user:bob'])).toBe(60);
    vi.advanceTimersByTime(45_000);
    expect(throttle.retryAfterSeconds(keys)).toBe(15);
    vi.advanceTimersByTime(15_001);
    expect(throttle.retryAfterSeconds(keys)).toBe(0);
  });

  it('lets failures far apart not add up, and a cleared key start again', () => {
    throttle.recordFailure(['user:amy']);
    throttle.recordFailure(['user:amy']);
    vi.advanceTimersByTime(61_000);
    throttle.recordFailure(['user:amy']);
    expect(throttle.retryAfterSeconds(['user:amy'])).toBe(0);
    throttle.recordFailure(['user:amy']);
    throttle.clear('user:amy');
    throttle.recordFailure(['user:amy']);
    expect(throttle.retryAfterSeconds(['user:amy'])).toBe(0);
  });

  it('keeps other keys open', () => {
    for (let i = 0; i < 3; i++) throttle.recordFailure(['user:eve']);
    expect(throttle.retryAfterSeconds(['user:someone-else'])).toBe(0);
  });
});
