/**
 * The render queue as the console shows it (GET /api/admin/queue): paused or not, what renders,
 * what waits in the order it will start; pausing and reordering answer with the queue as it is then.
 */
import type { QueueView } from '@reelcraft/shared';
import { api, ApiRequestError, errorText } from '$lib/api';

export class QueueState {
  view = $state.raw<QueueView | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  #inFlight: AbortController | null = null;

  async load(): Promise<void> {
    this.#inFlight?.abort();
    const ctl = new AbortController();
    this.#inFlight = ctl;
    try {
      const view = await api.queue(ctl.signal);
      if (ctl.signal.aborted) return;
      this.view = view;
      this.error = null;
    } catch (e) {
      if (ctl.signal.aborted || (e instanceof ApiRequestError && e.statusCode === 401)) return;
      this.error = errorText(e);
    }
  }

  async setPaused(paused: boolean): Promise<void> {
    await this.#change(async () => (this.view = await api.setQueuePaused(paused)));
  }

  /** Reorders: the answer is one task, so the queue (whose order it changes) is read again. */
  async setPriority(taskId: string, priority: number): Promise<void> {
    await this.#change(async () => {
      await api.setTaskPriority(taskId, priority);
      await this.load();
    });
  }

  async #change(work: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.#inFlight?.abort();
  }
}
