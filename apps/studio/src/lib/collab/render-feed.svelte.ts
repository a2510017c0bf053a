/**
 * Live render progress of one project over Socket.IO (/socket.io): joins the project's room and
 * keeps, per scene number, the latest step/total and the latest preview frame as a blob URL (the
 * previous URL is revoked whenever a frame replaces it, and all of them on stop). It also follows
 * the planner writing the storyboard: `planner:started`, `planner:scene` (scene by scene, no total
 * while the LLM writes) and `planner:done` (which planner wrote it, or why planning failed); the
 * join ack says how far it is for a page opened (or reconnected) mid-way. The content filter's hits
 * in the live storyboard (`filter:hits`) go to whoever listens (onFilterHits), on this one socket.
 */
import type { DocumentFilterHit, JoinProjectAck, PlanFailureCode, PlannerRecord, PlanningNow, ProjectRole, TaskFailureCode, TaskStatus, TaskView, VersionsChangedEvent } from '@reelcraft/shared';
import { openSocket, type StudioSocket } from '$lib/live/socket';

export interface SceneRenderState {
  step: number;
  total: number;
  eta_s: number | null;
  preview: string | null;
}

export class RenderFeed {
  /** Scene number (1-based position at render time) → progress. */
  scenes = $state<Record<number, SceneRenderState>>({});
  taskId = $state<string | null>(null);
  /** Who started the followed render, when known (it was started here, or the API said so); null for a teammate's render heard live. */
  taskOwner = $state<string | null>(null);
  status = $state<TaskStatus | null>(null);
  progress = $state(0);
  videoUrl = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Why the followed render failed, as a code to translate (`error` then holds the server's English words); null unless it failed. */
  failureCode = $state<TaskFailureCode | null>(null);
  connected = $state(false);
  revoked = $state(false);
  /**
   * This user's role as the server last said it (on joining the room, and on every project:role),
   * so an editor made viewer (or the reverse) switches mode without a reload; null until joined.
   */
  role = $state<ProjectRole | null>(null);
  /**
   * Bumped whenever the project's versions may have changed: someone saved, restored or deleted
   * one (`versions:changed`), or the socket came back after missing events. The version panel
   * reloads on every change of it.
   */
  versionsRevision = $state(0);
  /** The latest versions:changed event, for a notice. */
  lastVersionsChange = $state.raw<VersionsChangedEvent | null>(null);
  /** Planning in progress (from the join ack, planner:started and planner:scene), null when none is or it finished. */
  planning = $state.raw<PlanningNow | null>(null);
  /**
   * The record of the last planner:done heard (null: planning failed); undefined until one is
   * heard, so the page keeps the record it loaded with the project.
   */
  planner = $state.raw<PlannerRecord | null | undefined>(undefined);
  /** Why planning failed, from planner:done: the server's English words (detail). */
  planningError = $state<string | null>(null);
  /** Why planning failed as a code to translate; null unless it failed (or an older server sent none). */
  planningFailureCode = $state<PlanFailureCode | null>(null);
  /** Bumped when the socket joins again after a disconnect (events may have been missed). */
  rejoins = $state(0);

  readonly #projectId: string;
  #socket: StudioSocket | null = null;
  // Callbacks, not state the page renders.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #filterListeners = new Set<(hits: DocumentFilterHit[]) => void>();

  constructor(projectId: string) {
    this.#projectId = projectId;
  }

  start(token: string | null): void {
    if (this.#socket) return;
    const socket = openSocket(token);
    this.#socket = socket;
    const mine = (e: { project_id: string }) => e.project_id === this.#projectId;
    let joinedBefore = false;
    // Whether a planner event came after the last join was sent: it is newer than that join's ack.
    let plannerHeard = false;
    // Whether filter:hits came since the last join was sent: the server sends the latest hits
    // before answering a join, and nothing when there are none.
    let filterHeard = false;
    socket.on('connect', () => {
      this.connected = true;
      plannerHeard = false;
      filterHeard = false;
      socket.emit('project:join', { project_id: this.#projectId }, (ack: JoinProjectAck) => {
        if (!ack.ok) {
          this.error = ack.message;
          return;
        }
        this.role = ack.role;
        if (!plannerHeard) this.planning = ack.planning;
        // Clean now (or cleaned while this socket was away): no marks left over.
        if (!filterHeard) this.#emitFilterHits([]);
        // Back after a disconnect: versions may have changed meanwhile, unheard.
        if (joinedBefore) {
          this.versionsRevision++;
          this.rejoins++;
        }
        joinedBefore = true;
      });
    });
    socket.on('versions:changed', (e) => {
      if (!mine(e)) return;
      this.lastVersionsChange = e;
      this.versionsRevision++;
    });
    socket.on('planner:started', (e) => {
      if (!mine(e)) return;
      plannerHeard = true;
      this.planning = { scenes: 0, total: null };
      this.planningError = null;
      this.planningFailureCode = null;
    });
    socket.on('planner:scene', (e) => {
      if (!mine(e)) return;
      plannerHeard = true;
      this.planning = { scenes: e.scene_number, total: e.total };
      this.planningError = null;
      this.planningFailureCode = null;
    });
    socket.on('planner:done', (e) => {
      if (!mine(e)) return;
      plannerHeard = true;
      this.planning = null;
      this.planner = e.ok ? e.planner : null;
      this.planningError = e.ok ? null : (e.error ?? '');
      this.planningFailureCode = e.ok ? null : (e.failure_code ?? null);
    });
    socket.on('filter:hits', (e) => {
      if (!mine(e)) return;
      filterHeard = true;
      this.#emitFilterHits(e.hits);
    });
    socket.on('disconnect', () => (this.connected = false));
    socket.on('task:status', (e) => {
      if (!mine(e)) return;
      this.#follow(e.task_id);
      this.status = e.status;
      this.progress = e.progress;
    });
    socket.on('render:progress', (e) => {
      if (!mine(e)) return;
      this.#follow(e.task_id);
      this.progress = e.task_progress;
      const prev = this.scenes[e.scene_number];
      this.scenes[e.scene_number] = { step: e.step, total: e.total, eta_s: e.eta_s, preview: prev?.preview ?? null };
    });
    socket.on('render:preview', (e) => {
      if (!mine(e)) return;
      this.#follow(e.task_id);
      const bytes = e.jpeg instanceof ArrayBuffer ? new Uint8Array(e.jpeg) : new Uint8Array(e.jpeg.buffer, e.jpeg.byteOffset, e.jpeg.byteLength);
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
      const prev = this.scenes[e.scene_number];
      if (prev?.preview) URL.revokeObjectURL(prev.preview);
      this.scenes[e.scene_number] = { step: prev?.step ?? 0, total: prev?.total ?? 0, eta_s: prev?.eta_s ?? null, preview: url };
    });
    socket.on('task:finished', (e) => {
      if (!mine(e)) return;
      this.status = 'completed';
      this.progress = 1;
      this.videoUrl = e.video_url;
      for (const s of Object.values(this.scenes)) if (s.total > 0) s.step = s.total;
    });
    socket.on('task:failed', (e) => {
      if (!mine(e)) return;
      this.status = e.error === 'cancelled' ? 'cancelled' : 'failed';
      this.error = e.error;
      this.failureCode = e.failure_code ?? null;
    });
    socket.on('project:revoked', (e) => {
      if (mine(e)) this.revoked = true;
    });
    socket.on('project:role', (e) => {
      if (mine(e)) this.role = e.role;
    });
  }

  /** Calls `listener` with every list of the storyboard's filter hits (all of them; empty once clean). */
  onFilterHits(listener: (hits: DocumentFilterHit[]) => void): () => void {
    this.#filterListeners.add(listener);
    return () => this.#filterListeners.delete(listener);
  }

  #emitFilterHits(hits: DocumentFilterHit[]): void {
    for (const l of this.#filterListeners) l(hits);
  }

  /**
   * The project's latest render as the API reports it, for a page opened after or during it; taken
   * only while no live event has named a task, since those are newer.
   */
  resume(task: TaskView): void {
    if (this.taskId !== null) return;
    this.#follow(task.task_id);
    this.taskOwner = task.owner;
    this.status = task.status;
    this.progress = task.progress;
    this.videoUrl = task.result?.video_url ?? null;
    this.error = task.error;
    this.failureCode = task.failure_code ?? null;
  }

  /** A render this page started for `owner` (the POST answered with its task id). */
  began(taskId: string, owner: string): void {
    this.#follow(taskId);
    this.taskOwner = owner;
    this.status = 'pending';
  }

  /** A new task resets the per-scene state (and frees the old previews). */
  #follow(taskId: string): void {
    if (this.taskId === taskId) return;
    this.taskId = taskId;
    this.taskOwner = null;
    this.#revokeAll();
    this.scenes = {};
    this.progress = 0;
    this.videoUrl = null;
    this.error = null;
    this.failureCode = null;
  }

  #revokeAll(): void {
    for (const s of Object.values(this.scenes)) if (s.preview) URL.revokeObjectURL(s.preview);
  }

  stop(): void {
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      if (socket.connected) socket.emit('project:leave', { project_id: this.#projectId }, () => {});
      socket.disconnect();
    }
    this.#revokeAll();
    this.scenes = {};
  }
}
