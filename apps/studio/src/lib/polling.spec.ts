import { describe, expect, it } from 'vitest';
import { ACTIVE_POLL_MS, IDLE_POLL_MS, isFinal, needsPolling, nextPollDelay } from './polling';

describe('polling decisions', () => {
  it('knows the final statuses', () => {
    expect(isFinal('completed')).toBe(true);
    expect(isFinal('failed')).toBe(true);
    expect(isFinal('cancelled')).toBe(true);
    expect(isFinal('pending')).toBe(false);
    expect(isFinal('running')).toBe(false);
  });

  it('polls fast while any task can still change', () => {
    expect(needsPolling([{ status: 'completed' }, { status: 'running' }])).toBe(true);
    expect(nextPollDelay([{ status: 'pending' }])).toBe(ACTIVE_POLL_MS);
    expect(ACTIVE_POLL_MS).toBeLessThanOrEqual(2000);
  });

  it('slows down when everything is final', () => {
    expect(needsPolling([])).toBe(false);
    expect(needsPolling([{ status: 'failed' }, { status: 'cancelled' }])).toBe(false);
    expect(nextPollDelay([{ status: 'completed' }])).toBe(IDLE_POLL_MS);
  });
});
