import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACTIVE_POLL_MS, IDLE_POLL_MS, Poller, isFinal, needsPolling, nextPollDelay } from './polling';

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

  it('polls slowly for a task held for review', () => {
    expect(isFinal('held')).toBe(false);
    expect(needsPolling([{ status: 'held' }, { status: 'completed' }])).toBe(false);
    expect(nextPollDelay([{ status: 'held' }])).toBe(IDLE_POLL_MS);
    expect(nextPollDelay([{ status: 'held' }, { status: 'pending' }])).toBe(ACTIVE_POLL_MS);
  });

  it('slows down when everything is final', () => {
    expect(needsPolling([])).toBe(false);
    expect(needsPolling([{ status: 'failed' }, { status: 'cancelled' }])).toBe(false);
    expect(nextPollDelay([{ status: 'completed' }])).toBe(IDLE_POLL_MS);
  });
});

describe('Poller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A poller whose loads resolve when told to; records each load's signal. */
  function setup(delay: () => number | null) {
    const loads: { signal: AbortSignal; done: () => void }[] = [];
    const poller = new Poller({
      load: (signal) => new Promise<void>((resolve) => loads.push({ signal, done: resolve })),
      nextDelay: delay,
    });
    return { poller, loads };
  }

  it('loads at once, then again after each delay, until stopped', async () => {
    const { poller, loads } = setup(() => 1000);
    poller.start();
    expect(loads).toHaveLength(1);
    loads[0]!.done();
    await vi.advanceTimersByTimeAsync(999);
    expect(loads).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(loads).toHaveLength(2);
    poller.stop();
    expect(loads[1]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(loads).toHaveLength(2);
  });

  it('aborts the load in flight when refreshed, and only the latest load schedules the next', async () => {
    const { poller, loads } = setup(() => 1000);
    poller.start();
    const second = poller.refresh();
    expect(loads[0]!.signal.aborted).toBe(true);
    loads[0]!.done();
    loads[1]!.done();
    await second;
    await vi.advanceTimersByTimeAsync(1000);
    // One timer, not two: the first load's end scheduled nothing.
    expect(loads).toHaveLength(3);
    poller.stop();
  });

  it('stops polling when there is nothing left to wait for, and schedule() starts it again', async () => {
    let delay: number | null = null;
    const { poller, loads } = setup(() => delay);
    poller.start();
    loads[0]!.done();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(loads).toHaveLength(1);
    delay = 500;
    poller.schedule();
    await vi.advanceTimersByTimeAsync(500);
    expect(loads).toHaveLength(2);
    poller.stop();
  });
});
