/**
 * Live task state for the pages. Today it polls the REST API (every ACTIVE_POLL_MS while any
 * task can still change); the pages only use the public surface below, so a Socket.IO feed can
 * replace the polling later without touching them.
 */
import { LIMITS, type TaskView } from '@reelcraft/shared';
import { api, errorText, ApiRequestError } from '$lib/api';
import { ACTIVE_POLL_MS, IDLE_POLL_MS, Poller, changesSoon, isFinal, nextPollDelay } from '$lib/polling';

const aborted = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';

/** The signed-in user's task list (all tasks for an admin), one page at a time. */
export class TaskListFeed {
  items = $state<TaskView[]>([]);
  total = $state(0);
  page = $state(1);
  readonly pageSize: number = LIMITS.page.defaultSize;
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly #poller = new Poller({
    load: (signal) => this.#load(signal),
    nextDelay: () => (this.error ? ACTIVE_POLL_MS * 2 : nextPollDelay(this.items)),
  });

  get pages(): number {
    return Math.max(1, Math.ceil(this.total / this.pageSize));
  }

  start(): void {
    this.#poller.start();
  }

  stop(): void {
    this.#poller.stop();
  }

  setPage(page: number): void {
    const next = Math.min(Math.max(1, page), this.pages);
    if (next === this.page) return;
    this.page = next;
    void this.refresh();
  }

  /** Fetches the current page now and schedules the next refresh. */
  refresh(): Promise<void> {
    return this.#poller.refresh();
  }

  async #load(signal: AbortSignal): Promise<void> {
    try {
      const res = await api.listTasks(this.page, this.pageSize, signal);
      if (signal.aborted) return;
      this.items = res.items;
      this.total = res.total;
      this.error = null;
      this.loaded = true;
      // Deleting the last task of the last page: step back one page.
      if (res.items.length === 0 && this.page > 1 && res.total > 0) {
        this.page = Math.max(1, Math.ceil(res.total / this.pageSize));
        void this.refresh();
      }
    } catch (e) {
      if (signal.aborted || aborted(e)) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return; // the layout redirects
      this.error = errorText(e);
    }
  }

  /** Puts a fresher copy of one task in place (after cancel, say). */
  upsert(task: TaskView): void {
    const i = this.items.findIndex((x) => x.task_id === task.task_id);
    if (i >= 0) this.items[i] = task;
  }

  remove(taskId: string): void {
    const before = this.items.length;
    this.items = this.items.filter((x) => x.task_id !== taskId);
    if (this.items.length < before) this.total = Math.max(0, this.total - 1);
  }
}

/** One task, refreshed until it reaches a final status. */
export class TaskFeed {
  task = $state<TaskView | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  readonly id: string;

  readonly #poller = new Poller({
    load: (signal) => this.#load(signal),
    nextDelay: () => {
      if (this.error) return ACTIVE_POLL_MS * 2;
      if (this.notFound || (this.task && isFinal(this.task.status))) return null;
      return !this.task || changesSoon(this.task.status) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
    },
  });

  constructor(id: string) {
    this.id = id;
  }

  start(): void {
    this.#poller.start();
  }

  stop(): void {
    this.#poller.stop();
  }

  set(task: TaskView): void {
    this.task = task;
    this.#poller.schedule();
  }

  refresh(): Promise<void> {
    return this.#poller.refresh();
  }

  async #load(signal: AbortSignal): Promise<void> {
    try {
      const task = await api.getTask(this.id, signal);
      if (signal.aborted) return;
      this.task = task;
      this.error = null;
      this.notFound = false;
    } catch (e) {
      if (signal.aborted || aborted(e)) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return;
      if (e instanceof ApiRequestError && e.statusCode === 404) {
        this.notFound = true;
        this.task = null;
        return;
      }
      this.error = errorText(e);
    }
  }
}
