/**
 * A page's live line to the render queue over Socket.IO (/socket.io). Every socket of a user is in
 * that user's room on the server, so the events of the user's own tasks arrive without asking;
 * someone else's task (a teammate's render, or any task an admin looks at) is heard in its
 * project's room, which `follow()` joins. After a reconnect the page is told to fetch again, since
 * events sent while the socket was away are lost.
 */
import { openSocket, type StudioSocket } from './socket';
import type { TaskEvent } from './task-events';

export interface TaskSocketHandlers {
  event(ev: TaskEvent): void;
  /** The socket is back after a disconnect: whatever happened meanwhile was not heard. */
  reconnected(): void;
  /** Connected or not (a feed's fallback refresh runs only while not). */
  connection?(connected: boolean): void;
  /** The queue moved (someone's task was queued, started, ended or reordered): places and ETAs are stale. */
  queueChanged?(): void;
}

export class TaskSocket {
  connected = $state(false);
  #socket: StudioSocket | null = null;
  /** Project rooms to be in; joined on every (re)connect. Bookkeeping, not state anything renders. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #rooms = new Set<string>();
  readonly #handlers: TaskSocketHandlers;

  constructor(handlers: TaskSocketHandlers) {
    this.#handlers = handlers;
  }

  start(token: string | null): void {
    if (this.#socket) return;
    const socket = openSocket(token);
    this.#socket = socket;
    let connectedBefore = false;
    socket.on('connect', () => {
      this.connected = true;
      for (const id of this.#rooms) this.#join(id);
      this.#handlers.connection?.(true);
      if (connectedBefore) this.#handlers.reconnected();
      connectedBefore = true;
    });
    socket.on('disconnect', () => {
      this.connected = false;
      this.#handlers.connection?.(false);
    });
    const emit = (ev: TaskEvent) => this.#handlers.event(ev);
    socket.on('task:status', (e) => emit({ type: 'task:status', ...e }));
    socket.on('render:progress', (e) => emit({ type: 'render:progress', ...e }));
    socket.on('task:finished', (e) => emit({ type: 'task:finished', ...e }));
    socket.on('task:failed', (e) => emit({ type: 'task:failed', ...e }));
    socket.on('queue:changed', () => this.#handlers.queueChanged?.());
  }

  /** Be in exactly these projects' rooms (besides the user's own room). */
  follow(projectIds: Iterable<string>): void {
    // Plain bookkeeping of joined rooms, not state anything renders.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const next = new Set(projectIds);
    for (const id of this.#rooms) if (!next.has(id) && this.#socket?.connected) this.#socket.emit('project:leave', { project_id: id }, () => {});
    for (const id of next) if (!this.#rooms.has(id)) this.#join(id);
    this.#rooms = next;
  }

  #join(projectId: string): void {
    // A refusal (no longer a member, project deleted) leaves that task to the page's own refresh.
    if (this.#socket?.connected) this.#socket.emit('project:join', { project_id: projectId }, () => {});
  }

  stop(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#rooms.clear();
    socket?.disconnect();
    this.connected = false;
  }
}
