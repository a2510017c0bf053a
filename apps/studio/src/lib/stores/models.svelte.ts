/**
 * Which kinds of model the server can use, for the editor's buttons that need one (Rewrite… needs
 * a language model): read from GET /api/models when a page starts following and again after every
 * reconnect (a change may have gone unheard), and updated live by `models:changed`, which the
 * server sends every signed-in socket when an admin's rescan changed it. Null until known; a
 * page then leaves the buttons enabled (the server still answers with its reason).
 */
import type { ModelCapabilities } from '@reelcraft/shared';
import { api } from '$lib/api';
import { openSocket, type StudioSocket } from '$lib/live/socket';

class ModelAvailability {
  capabilities = $state.raw<ModelCapabilities | null>(null);
  #socket: StudioSocket | null = null;
  #followers = 0;

  /** Whether a usable language model is installed; null while unknown. */
  get llm(): boolean | null {
    return this.capabilities?.llm ?? null;
  }

  /** Follows the capabilities while something shows them; returns the stop (the socket closes with the last follower). */
  follow(token: string | null): () => void {
    this.#followers++;
    if (!this.#socket) {
      const socket = openSocket(token);
      this.#socket = socket;
      socket.on('connect', () => void this.refresh());
      socket.on('models:changed', (c) => (this.capabilities = c));
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--this.#followers > 0) return;
      this.#socket?.close();
      this.#socket = null;
    };
  }

  async refresh(): Promise<void> {
    try {
      this.capabilities = await api.modelCapabilities();
    } catch {
      // Unknown stays unknown: the buttons stay enabled and the server says why if it must.
    }
  }
}

export const models = new ModelAvailability();
