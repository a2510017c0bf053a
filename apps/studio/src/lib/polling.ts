import { FINAL_TASK_STATUSES, type TaskStatus } from '@reelcraft/shared';

/**
 * How often a page refreshes while its socket is down and something on it may still change. The
 * socket (live/task-socket.svelte.ts) is the normal path: with it connected nothing is polled.
 */
export const FALLBACK_POLL_MS = 30_000;
/** How soon a load that failed is tried again. */
export const RETRY_MS = 5_000;

export function isFinal(status: TaskStatus): boolean {
  return FINAL_TASK_STATUSES.includes(status);
}

/**
 * Delay before a page's next refresh, or null for none: a failed load is retried; otherwise only
 * while the socket is down (events are being missed) and some task shown is not final yet.
 */
export function fallbackDelay(o: { live: boolean; failed: boolean; tasks: readonly { status: TaskStatus }[] }): number | null {
  if (o.failed) return RETRY_MS;
  if (o.live) return null;
  return o.tasks.some((t) => !isFinal(t.status)) ? FALLBACK_POLL_MS : null;
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
