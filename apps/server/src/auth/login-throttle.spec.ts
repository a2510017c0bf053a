import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config';
import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let throttle: LoginThrottle;
  beforeEach(() => {
    vi.useFakeTimers();
    throttle = new LoginThrottle(
      loadConfig({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60', LOGIN_ADDRESS_MAX_FAILURES: '10', LOGIN_USER_SLOW_AFTER: '6' }),
    );
  });
  afterEach(() => vi.useRealTimers());

  const fail = (user: string, addr: string, times = 1) => {
    for (let i = 0; i < times; i++) throttle.recordFailure(user, addr);
  };

  it('locks the (username, address) pair after the allowed failures, for the lock time', () => {
    fail('bob', '10.0.0.9', 2);
    expect(throttle.verdict('bob', '10.0.0.9').retryAfterSeconds).toBe(0);
    fail('bob', '10.0.0.9');
    expect(throttle.verdict('bob', '10.0.0.9').retryAfterSeconds).toBe(60);
    vi.advanceTimersByTime(45_000);
    expect(throttle.verdict('bob', '10.0.0.9').retryAfterSeconds).toBe(15);
    vi.advanceTimersByTime(15_001);
    expect(throttle.verdict('bob', '10.0.0.9').retryAfterSeconds).toBe(0);
  });

  it('never locks the account for another address, nor another case of the name', () => {
    fail('admin', '10.0.0.66', 3);
    expect(throttle.verdict('admin', '10.0.0.66').retryAfterSeconds).toBe(60);
    expect(throttle.verdict('admin', '10.0.0.2')).toEqual({ retryAfterSeconds: 0, delayMs: 0 });
    fail('ADMIN', '10.0.0.67', 3);
    expect(throttle.verdict('admin', '10.0.0.67').retryAfterSeconds).toBe(0);
  });

  it('locks an address that sprays passwords over many usernames', () => {
    for (let i = 0; i < 9; i++) fail(`user${i}`, '10.0.0.5');
    expect(throttle.verdict('someone', '10.0.0.5').retryAfterSeconds).toBe(0);
    fail('user9', '10.0.0.5');
    expect(throttle.verdict('someone', '10.0.0.5').retryAfterSeconds).toBe(60);
    expect(throttle.verdict('someone', '10.0.0.6').retryAfterSeconds).toBe(0);
  });

  it('slows a username attacked from many addresses with a growing delay, and never refuses it', () => {
    for (let i = 0; i < 5; i++) fail('carol', `10.1.0.${i}`);
    expect(throttle.verdict('carol', '10.9.9.9').delayMs).toBe(0);
    fail('carol', '10.1.0.5');
    expect(throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 250 });
    fail('carol', '10.1.0.6');
    fail('carol', '10.1.0.7');
    expect(throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 1000 });
    for (let i = 8; i < 40; i++) fail('carol', `10.1.0.${i}`);
    expect(throttle.verdict('carol', '10.9.9.9')).toEqual({ retryAfterSeconds: 0, delayMs: 8000 });
    vi.advanceTimersByTime(61_000);
    expect(throttle.verdict('carol', '10.9.9.9').delayMs).toBe(0);
  });

  it('lets failures far apart not add up, and a success start the pair again', () => {
    fail('amy', '10.0.0.1', 2);
    vi.advanceTimersByTime(61_000);
    fail('amy', '10.0.0.1');
    expect(throttle.verdict('amy', '10.0.0.1').retryAfterSeconds).toBe(0);
    fail('amy', '10.0.0.1');
    throttle.recordSuccess('amy', '10.0.0.1');
    fail('amy', '10.0.0.1');
    expect(throttle.verdict('amy', '10.0.0.1').retryAfterSeconds).toBe(0);
  });
});
