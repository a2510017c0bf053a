/**
 * Live task state for the pages: loaded once over REST, then kept up to date by Socket.IO events
 * (live/task-socket.svelte.ts) applied to the tasks shown (live/task-events.ts), with a fetch of
 * the one task when an event says less than the page shows. Nothing is polled while the socket is
 * up; while it is down a slow fallback refresh runs (polling.ts, fallbackDelay).
 */
import { LIMITS, type TaskView } from '@reelcraft/shared';
import { api, errorText, getToken, ApiRequestError } from '$lib/api';
import { Poller, fallbackDelay, isFinal } from '$lib/polling';
import { Refetcher, applyTaskEvent, applyToList, type TaskEvent } from '$lib/live/task-events';
import { TaskSocket } from '$lib/live/task-socket.svelte';
import { session } from './session.svelte';

const aborted = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';

/** The projects whose rooms carry the events of these tasks that the user's own room does not: others' tasks still under way. */
function roomsFor(tasks: readonly TaskView[]): string[] {
  const me = session.user?.username;
  return [...new Set(tasks.filter((t) => t.owner !== me && t.project_id && !isFinal(t.status)).map((t) => t.project_id!))];
}

/** The signed-in user's task list (all tasks for an admin), one page at a time. */
export class TaskListFeed {
  items = $state<TaskView[]>([]);
  total = $state(0);
  page = $state(1);
  readonly pageSize: number = LIMITS.page.defaultSize;
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly #live = new TaskSocket({
    event: (ev) => this.#onEvent(ev),
    reconnected: () => void this.refresh(),
    connection: () => this.#poller.schedule(),
    // Places and ETAs of the waiting tasks on the page move with everyone's tasks.
    queueChanged: () => {
      if (this.items.some((t) => t.status === 'pending')) void this.refresh();
    },
  });
  readonly #poller = new Poller({
    load: (signal) => this.#load(signal),
    nextDelay: () => fallbackDelay({ live: this.#live.connected, failed: this.error !== null, tasks: this.items }),
  });
  readonly #refetch = new Refetcher<string>((id) => this.#loadOne(id));
  // Bookkeeping, not rendered: tasks not on the list whose events already made it reload once,
  // and tasks heard about while the list was loading (the answer may predate the event).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #reloadedFor = new Set<string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #heardWhileLoading = new Set<string>();
  #loading = false;

  get pages(): number {
    return Math.max(1, Math.ceil(this.total / this.pageSize));
  }

  /** Whether events arrive (false: the slow fallback refresh runs). */
  get live(): boolean {
    return this.#live.connected;
  }

  start(): void {
    this.#live.start(getToken());
    this.#poller.start();
  }

  stop(): void {
    this.#live.stop();
    this.#poller.stop();
    this.#refetch.clear();
  }

  setPage(page: number): void {
    const next = Math.min(Math.max(1, page), this.pages);
    if (next === this.page) return;
    this.page = next;
    void this.refresh();
  }

  /** Fetches the current page now. */
  refresh(): Promise<void> {
    return this.#poller.refresh();
  }

  #onEvent(ev: TaskEvent): void {
    if (this.#loading) this.#heardWhileLoading.add(ev.task_id);
    const r = applyToList(this.items, ev);
    if (r.unknown) {
      // A task started elsewhere (another tab, the API) or one on another page: reload once.
      if (!this.#reloadedFor.has(ev.task_id)) {
        this.#reloadedFor.add(ev.task_id);
        void this.refresh();
      }
      return;
    }
    this.items = r.items;
    for (const id of r.refetch) this.#refetch.request(id);
  }

  async #load(signal: AbortSignal): Promise<void> {
    this.#loading = true;
    this.#heardWhileLoading.clear();
    try {
      const res = await api.listTasks(this.page, this.pageSize, signal);
      if (signal.aborted) return;
      this.items = res.items;
      this.total = res.total;
      this.error = null;
      this.loaded = true;
      this.#live.follow(roomsFor(res.items));
      for (const id of this.#heardWhileLoading) if (res.items.some((t) => t.task_id === id)) this.#refetch.request(id);
      // Deleting the last task of the last page: step back one page.
      if (res.items.length === 0 && this.page > 1 && res.total > 0) {
        this.page = Math.max(1, Math.ceil(res.total / this.pageSize));
        void this.refresh();
      }
    } catch (e) {
      if (signal.aborted || aborted(e)) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return; // the layout redirects
      this.error = errorText(e);
    } finally {
      if (!signal.aborted) this.#loading = false;
    }
  }

  async #loadOne(id: string): Promise<void> {
    try {
      this.upsert(await api.getTask(id));
    } catch (e) {
      if (e instanceof ApiRequestError && e.statusCode === 404) this.remove(id);
    }
  }

  /** Puts a fresher copy of one task in place (after cancel, retry, or an event). */
  upsert(task: TaskView): void {
    const i = this.items.findIndex((x) => x.task_id === task.task_id);
    if (i < 0) return;
    this.items[i] = task;
    this.#live.follow(roomsFor(this.items));
    this.#poller.schedule();
  }

  remove(taskId: string): void {
    const before = this.items.length;
    this.items = this.items.filter((x) => x.task_id !== taskId);
    if (this.items.length < before) this.total = Math.max(0, this.total - 1);
  }
}

/** One task, kept live until it is final (and after: a retry brings it back). */
export class TaskFeed {
  task = $state<TaskView | null>(null);
  error = $state<string | null>(null);
  notFound = $state(false);
  readonly id: string;

  readonly #live = new TaskSocket({
    event: (ev) => this.#onEvent(ev),
    reconnected: () => void this.refresh(),
    connection: () => this.#poller.schedule(),
    queueChanged: () => {
      if (this.task?.status === 'pending') void this.refresh();
    },
  });
  readonly #poller = new Poller({
    load: (signal) => this.#load(signal),
    nextDelay: () => (this.notFound ? null : fallbackDelay({ live: this.#live.connected, failed: this.error !== null, tasks: this.task ? [this.task] : [] })),
  });
  readonly #refetch = new Refetcher<string>(() => this.#load());
  #loading = false;
  #heardWhileLoading = false;

  constructor(id: string) {
    this.id = id;
  }

  start(): void {
    this.#live.start(getToken());
    this.#poller.start();
  }

  stop(): void {
    this.#live.stop();
    this.#poller.stop();
    this.#refetch.clear();
  }

  set(task: TaskView): void {
    this.task = task;
    this.#live.follow(roomsFor([task]));
    this.#poller.schedule();
  }

  refresh(): Promise<void> {
    return this.#poller.refresh();
  }

  #onEvent(ev: TaskEvent): void {
    if (ev.task_id !== this.id) return;
    if (this.#loading || !this.task) {
      this.#heardWhileLoading = true;
      if (!this.task) return;
    }
    const r = applyTaskEvent(this.task, ev);
    this.task = r.task;
    if (r.refetch) this.#refetch.request(this.id);
  }

  async #load(signal?: AbortSignal): Promise<void> {
    this.#loading = true;
    this.#heardWhileLoading = false;
    try {
      const task = await api.getTask(this.id, signal);
      if (signal?.aborted) return;
      this.set(task);
      this.error = null;
      this.notFound = false;
      if (this.#heardWhileLoading) this.#refetch.request(this.id);
    } catch (e) {
      if (signal?.aborted || aborted(e)) return;
      if (e instanceof ApiRequestError && e.statusCode === 401) return;
      if (e instanceof ApiRequestError && e.statusCode === 404) {
        this.notFound = true;
        this.task = null;
        return;
      }
      this.error = errorText(e);
    } finally {
      if (!signal?.aborted) this.#loading = false;
    }
  }
}
