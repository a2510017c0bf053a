import { describe, expect, it } from 'vitest';
import { pickNext, queueOrder, type QueuedTask, type QueueState } from './fair-pick';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 0, 0, s));
const task = (id: string, owner: string, created: number, priority = 0): QueuedTask => ({ id, owner_id: owner, priority, created_at: at(created) });
const state = (running: Record<string, number> = {}, lastStart: Record<string, number> = {}, max = 1): QueueState => ({
  runningByOwner: new Map(Object.entries(running)),
  lastStartByOwner: new Map(Object.entries(lastStart)),
  maxRunningOf: () => max,
});

describe('pickNext', () => {
  it("gives a user's single render its turn before the rest of another user's batch", () => {
    const batch = Array.from({ length: 20 }, (_, i) => task(`a${i}`, 'alice', i));
    const queued = [...batch, task('b0', 'bob', 30)];
    // Alice's first task is running: bob (nothing running) goes next, though he queued last.
    expect(pickNext(queued.slice(1), state({ alice: 1 }, { alice: 100 }, 2))?.id).toBe('b0');
    // With nothing running, the owner who started least recently goes first.
    expect(pickNext(queued, state({}, { alice: 100, bob: 50 }))?.id).toBe('b0');
    expect(pickNext(queued, state({}, { alice: 50, bob: 100 }))?.id).toBe('a0');
  });

  it('keeps an owner at their limit waiting without blocking others, and puts priority first', () => {
    const queued = [task('a1', 'alice', 1), task('b1', 'bob', 2)];
    expect(pickNext(queued, state({ alice: 1 }))?.id).toBe('b1');
    expect(pickNext([task('a1', 'alice', 1)], state({ alice: 1 }))).toBeNull();
    expect(pickNext([...queued, task('c1', 'carol', 3, 5)], state())?.id).toBe('c1');
  });

  it('orders the queue in turns, which is what users see as their position', () => {
    const queued = [task('a1', 'alice', 1), task('a2', 'alice', 2), task('a3', 'alice', 3), task('b1', 'bob', 4), task('c1', 'carol', 5), task('b2', 'bob', 6)];
    expect(queueOrder(queued, state()).map((t) => t.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it("keeps a task's scenes in their order, and gives scene jobs the same turns", () => {
    // Scene jobs carry their task's creation time and their place in it; ids are random.
    const scene = (id: string, owner: string, created: number, order: number): QueuedTask => ({ ...task(id, owner, created), order });
    const queued = [scene('z', 'alice', 1, 2), scene('y', 'alice', 1, 1), scene('x', 'alice', 2, 1), scene('w', 'bob', 9, 1)];
    const unlimited = state({ alice: 1 }, { alice: 100 }, Number.POSITIVE_INFINITY);
    // Alice has a scene rendering: bob's one scene goes first, then alice's in task and scene order.
    expect(pickNext(queued, unlimited)?.id).toBe('w');
    expect(pickNext(queued.slice(0, 3), unlimited)?.id).toBe('y');
    expect(queueOrder(queued, unlimited).map((t) => t.id)).toEqual(['w', 'y', 'z', 'x']);
  });
});
