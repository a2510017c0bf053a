import { FINAL_TASK_STATUSES, type TaskStatus } from '@reelcraft/shared';

/** How often task views refresh while something is still moving. */
export const ACTIVE_POLL_MS = 1500;
/** How often the list refreshes when everything is final (picks up tasks made elsewhere). */
export const IDLE_POLL_MS = 15000;

export function isFinal(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.includes(status);
}

/**
 * True while the task may change soon by itself. A `held` task waits for an admin's review, which
 * may take hours: it is not final, but not worth a fast refresh either.
 */
export function changesSoon(status: TaskStatus): boolean {
  return !isFinal(status) && status !== 'held';
}

/** True while any task may still change soon by itself. */
export function needsPolling(tasks: readonly { status: TaskStatus }[]): boolean {
  return tasks.some((t) => changesSoon(t.status));
}

/** Delay before the next list refresh. */
export function nextPollDelay(tasks: readonly { status: TaskStatus }[]): number {
  return needsPolling(tasks) ? ACTIVE_POLL_MS : IDLE_POLL_MS;
}

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

export interface PollerOptions {
  /** Fetches and stores the fresh state; an abort (the next refresh, stop) may cut it short. */
  load(signal: AbortSignal): Promise<void>;
  /** How long until the next refresh, or null for none (nothing can change by itself). */
  nextDelay(): number | null;
}

/**
 * Refreshes something on a timer while started: one request at a time (a new refresh aborts the
 * one in flight), no polling while the tab is hidden (it refreshes when shown again), and the next
 * refresh is only scheduled by the latest one.
 */
export class Poller {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #seq = 0;
  #controller: AbortController | null = null;
  readonly #options: PollerOptions;
  #onVisibility = () => {
    if (this.#running && visible() && this.#options.nextDelay() !== null) void this.refresh();
  };

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.#onVisibility);
    void this.refresh();
  }

  stop(): void {
    this.#running = false;
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#clearTimer();
    this.#controller?.abort();
    this.#controller = null;
  }

  /** Loads now and schedules the next refresh (unless a later refresh has started meanwhile). */
  async refresh(): Promise<void> {
    this.#clearTimer();
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const seq = ++this.#seq;
    try {
      await this.#options.load(controller.signal);
    } catch (e) {
      if (controller.signal.aborted || (e instanceof DOMException && e.name === 'AbortError')) return;
      throw e;
    }
    if (seq === this.#seq) this.schedule();
  }

  /** (Re)schedules the next refresh from nextDelay(). */
  schedule(): void {
    this.#clearTimer();
    if (!this.#running || !visible()) return;
    const delay = this.#options.nextDelay();
    if (delay !== null) this.#timer = setTimeout(() => void this.refresh(), delay);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
