/** Who is signed in. Loaded once by the root layout; cleared on logout or any 401. */
import type { UserView } from '@reelcraft/shared';
import { api } from '$lib/api';

class Session {
  user = $state<UserView | null>(null);
  /** True once we know whether someone is signed in (or the server said no). */
  checked = $state(false);

  /** Asks the server who we are; resolves to null on 401. Other failures are thrown. */
  async load(): Promise<UserView | null> {
    try {
      this.user = await api.me({ allowUnauthorized: true });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 401) this.user = null;
      else throw e;
    } finally {
      this.checked = true;
    }
    return this.user;
  }

  clear(): void {
    this.user = null;
  }

  async logout(): Promise<void> {
    try {
      await api.logout();
    } catch {
      // The token is dropped locally either way; a failed call leaves at worst a stale cookie.
    }
    this.user = null;
  }
}

export const session = new Session();
