/**
 * Something queued as the schedulers see it: a task waiting to be admitted, or a scene job of a
 * running task waiting for a render worker (then `created_at` is its task's and `order` its place
 * in the task, so a task's scenes keep their order).
 */
export interface QueuedTask {
  id: string;
  owner_id: string;
  priority: number;
  created_at: Date;
  order?: number;
}

export interface QueueState {
  /** What runs now, per owner: admitted tasks, or scenes being rendered. */
  runningByOwner: ReadonlyMap<string, number>;
  /** When each owner's last one was started (ms); owners never started count as longest ago. */
  lastStartByOwner: ReadonlyMap<string, number>;
  /** How many this owner may run at once. */
  maxRunningOf(ownerId: string): number;
}

/**
 * Which queued item runs next, for both schedulers (tasks into the running set, scene jobs onto
 * render workers). Priority first (an admin's reordering); within a priority, users take turns:
 * the owner with the fewest running, then the one who started least recently, gets their oldest
 * item. So one user's batch of 50 cannot hold back another user's single render, and an owner at
 * their limit waits without blocking anyone else.
 */
export function pickNext(queued: readonly QueuedTask[], state: QueueState): QueuedTask | null {
  let best: QueuedTask | null = null;
  for (const task of queued) {
    const running = state.runningByOwner.get(task.owner_id) ?? 0;
    if (running >= state.maxRunningOf(task.owner_id)) continue;
    if (!best || before(task, best, state)) best = task;
  }
  return best;
}

/** The order of the queue as users see it: what pickNext would take first, then second, … */
export function queueOrder(queued: readonly QueuedTask[], state: QueueState): QueuedTask[] {
  const running = new Map(state.runningByOwner);
  const lastStart = new Map(state.lastStartByOwner);
  const left = [...queued];
  const order: QueuedTask[] = [];
  let clock = Math.max(0, ...lastStart.values()) + 1;
  while (left.length) {
    // Looking ahead, a limit only delays a task: it still gets its place once the owner's others finish.
    const next = pickNext(left, { runningByOwner: running, lastStartByOwner: lastStart, maxRunningOf: () => Number.POSITIVE_INFINITY });
    if (!next) break;
    order.push(next);
    left.splice(left.indexOf(next), 1);
    lastStart.set(next.owner_id, clock++);
  }
  return order;
}

function before(a: QueuedTask, b: QueuedTask, state: QueueState): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.owner_id !== b.owner_id) {
    const ra = state.runningByOwner.get(a.owner_id) ?? 0;
    const rb = state.runningByOwner.get(b.owner_id) ?? 0;
    if (ra !== rb) return ra < rb;
    const la = state.lastStartByOwner.get(a.owner_id) ?? -Infinity;
    const lb = state.lastStartByOwner.get(b.owner_id) ?? -Infinity;
    if (la !== lb) return la < lb;
  }
  if (a.created_at.getTime() !== b.created_at.getTime()) return a.created_at < b.created_at;
  if ((a.order ?? 0) !== (b.order ?? 0)) return (a.order ?? 0) < (b.order ?? 0);
  return a.id < b.id;
}
