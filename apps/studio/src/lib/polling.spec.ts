import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FALLBACK_POLL_MS, Poller, RETRY_MS, fallbackDelay, isFinal } from './polling';

describe('fallback refresh', () => {
  it('knows the final statuses', () => {
    expect(isFinal('completed')).toBe(true);
    expect(isFinal('failed')).toBe(true);
    expect(isFinal('cancelled')).toBe(true);
    expect(isFinal('pending')).toBe(false);
    expect(isFinal('held')).toBe(false);
    expect(isFinal('running')).toBe(false);
  });

  it('polls nothing while the socket is up', () => {
    expect(fallbackDelay({ live: true, failed: false, tasks: [{ status: 'running' }, { status: 'pending' }] })).toBeNull();
  });

  it('refreshes slowly while the socket is down and something may still change', () => {
    expect(fallbackDelay({ live: false, failed: false, tasks: [{ status: 'completed' }, { status: 'held' }] })).toBe(FALLBACK_POLL_MS);
    expect(fallbackDelay({ live: false, failed: false, tasks: [{ status: 'completed' }, { status: 'cancelled' }] })).toBeNull();
    expect(FALLBACK_POLL_MS).toBeGreaterThanOrEqual(15_000);
  });

  it('retries a failed load, socket or not', () => {
    expect(fallbackDelay({ live: true, failed: true, tasks: [] })).toBe(RETRY_MS);
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
