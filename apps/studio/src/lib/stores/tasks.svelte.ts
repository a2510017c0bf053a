/**
 * Live task state for the pages. Today it polls the REST API (every ACTIVE_POLL_MS while any
 * task can still change); the pages only use the public surface below, so a Socket.IO feed can
 * replace the polling later without touching them.
 */
import { LIMITS, type TaskView } from '@reelcraft/shared';
import { api, errorText, ApiRequestError } from '$lib/api';
import { ACTIVE_POLL_MS, isFinal, nextPollDelay } from '$lib/polling';

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/** The signed-in user's task list (all tasks for an admin), one page at a time. */
export class TaskListFeed {
  items = $state<TaskView[]>([]);
  total = $state(0);
  page = $state(1);
  readonly pageSize: number = LIMITS.page.defaultSize;
  loaded = $state(false);
  error = $state<string | null>(null);

  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #seq = 0;
  #controller: AbortController | null = null;
  #onVisibility = () => {
    if (this.#running && visible()) void this.refresh();
  };

  get pages(): number {
    return Math.max(1, Math.ceil(this.total / this.pageSize));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    document.addEventListener('visibilitychange', this.#onVisibility);
    void this.refresh();
  }

  stop(): void {
    this.#running = false;
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#clearTimer();
    this.#controller?.abort();
    this.#controller = null;
  }

  setPage(page: number): void {
    const next = Math.min(Math.max(1, page), this.pages);
    if (next === this.page) return;
    this.page = next;
    void this.refresh();
  }

  /** Fetches the current page now and schedules the next refresh. */
  async refresh(): Promise<void> {
    this.#clearTimer();
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const seq = ++this.#seq;
    try {
      const res = await api.listTasks(this.page, this.pageSize, controller.signal);
      if (seq !== this.#seq) return;
      this.items = res.items;
      this.total = res.total;
      this.error = null;
      this.loaded = true;
      // Deleting the last task of the last page: step back one page.
      if (res.items.length === 0 && this.page > 1 && res.total > 0) {
        this.page = Math.max(1, Math.ceil(res.total / this.pageSize));
        void this.refresh();
        return;
      }
    } catch (e) {
      if (seq !== this.#seq || (e instanceof DOMException && e.name === 'AbortError')) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return; // the layout redirects
      this.error = errorText(e);
    }
    if (seq === this.#seq) this.#schedule();
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

  #schedule(): void {
    if (!this.#running) return;
    this.#clearTimer();
    // A hidden tab waits for visibilitychange instead of polling.
    if (!visible()) return;
    this.#timer = setTimeout(() => void this.refresh(), this.error ? ACTIVE_POLL_MS * 2 : nextPollDelay(this.items));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** One task, refreshed until it reaches a final status. */
export class TaskFeed {
  task = $state<TaskView | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  readonly id: string;

  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #controller: AbortController | null = null;
  #onVisibility = () => {
    if (this.#running && visible() && !(this.task && isFinal(this.task.status))) void this.refresh();
  };

  constructor(id: string) {
    this.id = id;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    document.addEventListener('visibilitychange', this.#onVisibility);
    void this.refresh();
  }

  stop(): void {
    this.#running = false;
    document.removeEventListener('visibilitychange', this.#onVisibility);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#controller?.abort();
  }

  set(task: TaskView): void {
    this.task = task;
    this.#schedule();
  }

  async refresh(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    try {
      this.task = await api.getTask(this.id, controller.signal);
      this.error = null;
      this.notFound = false;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return;
      if (e instanceof ApiRequestError && e.statusCode === 404) {
        this.notFound = true;
        this.task = null;
        return;
      }
      this.error = errorText(e);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running || !visible()) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.task && isFinal(this.task.status) && !this.error) return;
    this.#timer = setTimeout(() => void this.refresh(), this.error ? ACTIVE_POLL_MS * 2 : ACTIVE_POLL_MS);
  }
}
