/**
 * The busy flag and the error line of one thing a console row or form does: `run()` clears the
 * error, sets `busy` while the work runs and keeps the error text if it fails.
 */
import { errorText } from '$lib/api';

export class Action {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `work` unless already busy; resolves true when it succeeded. */
  async run(work: () => Promise<unknown>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.error = null;
    try {
      await work();
      return true;
    } catch (e) {
      this.error = errorText(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
