/** Who is signed in. Loaded once by the root layout; cleared on logout or any 401. */
import type { UserView } from '@reelcraft/shared';
import { api } from '$lib/api';
import { clearLocalCopiesOf } from '$lib/collab/local-copy';

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

  /** Whether this user may cancel or delete a render `owner` started: its starter and admins (the server answers other members 403). */
  mayChangeTask(owner: string | null): boolean {
    return this.user !== null && (owner === this.user.username || this.user.role === 'admin');
  }

  clear(): void {
    this.user = null;
  }

  /** Ends the session and deletes this user's local storyboard copies (the next person on this browser sees none of them). */
  async logout(): Promise<void> {
    const userId = this.user?.id;
    try {
      await api.logout();
    } catch {
      // The token is dropped locally either way; a failed call leaves at worst a stale cookie.
    }
    this.user = null;
    // Not awaited: a copy still open in the editor is deleted as soon as the editor closes it.
    if (userId) void clearLocalCopiesOf(userId);
  }
}

export const session = new Session();
