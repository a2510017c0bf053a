import type { DocumentFilterHitsEvent } from './filter';
import type { TaskStatus } from './tasks';
import type { PlannerRecord } from './planner';
import type { PlanFailureCode, TaskFailureCode } from './task-failures';
import type { ModelCapabilities } from './models';

/**
 * What the collaboration endpoints and every client agree on: the Yjs WebSocket at
 * `/collab/<projectId>` (y-websocket protocol) and the Socket.IO connection at `/socket.io`.
 */

// ---------------------------------------------------------------------------------------------
// Project roles

export const PROJECT_ROLES = ['owner', 'editor', 'viewer'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Editors and owners change the storyboard; viewers watch (they still send presence). */
export const canEditProject = (role: ProjectRole | null | undefined): boolean => role === 'owner' || role === 'editor';
/** Owners alone delete the project and manage its members. */
export const canManageProject = (role: ProjectRole | null | undefined): boolean => role === 'owner';

// ---------------------------------------------------------------------------------------------
// Yjs WebSocket close codes. 4000–4999 are the application's range (RFC 6455 §7.4.2); the last
// three digits follow the HTTP status a REST call would get, so clients can share their handling.

export const COLLAB_CLOSE = {
  /** A frame that is not a y-websocket message (bad varint, unknown message type, truncated update). */
  MALFORMED: 4400,
  /** No session, or it expired or was revoked (sign in again). */
  UNAUTHENTICATED: 4401,
  /** Signed in but not a member of the project, or removed from it while connected. */
  FORBIDDEN: 4403,
  /** No such project (or it was deleted while connected). */
  NOT_FOUND: 4404,
  /** A viewer sent a document update: viewers may read and send presence only. */
  READ_ONLY: 4405,
  /** One frame is over maxFrameBytes, or applying it would grow the document past maxDocumentBytes. */
  TOO_LARGE: 4413,
  /** More messages than the rate limit allows; the client may reconnect after a pause. */
  RATE_LIMITED: 4429,
  /** The server is shutting down or the document was unloaded; reconnecting is right. */
  GOING_AWAY: 1001,
  /** An unexpected server error; reconnecting is right. */
  INTERNAL: 1011,
} as const;
export type CollabCloseCode = (typeof COLLAB_CLOSE)[keyof typeof COLLAB_CLOSE];

/** Close reasons; each under WebSocket's 123-byte limit. */
export const COLLAB_CLOSE_REASONS: Record<CollabCloseCode, string> = {
  4400: 'malformed frame',
  4401: 'sign in first',
  4403: 'not a member of this project',
  4404: 'no such project',
  4405: 'viewers cannot edit this storyboard',
  4413: 'frame or document too large',
  4429: 'too many messages; slow down',
  1001: 'server going away',
  1011: 'internal error',
};

/** Whether a client should reconnect by itself after this close code (the others need a person to act). */
export const shouldReconnect = (code: number): boolean =>
  code === COLLAB_CLOSE.GOING_AWAY || code === COLLAB_CLOSE.INTERNAL || code === COLLAB_CLOSE.RATE_LIMITED || code < 4000;

export const COLLAB_LIMITS = {
  /** Largest single WebSocket frame a client may send (a first sync of offline edits is the biggest). */
  maxFrameBytes: 2 * 1024 * 1024,
  /** Largest encoded document (Y.encodeStateAsUpdate) a project may grow to. */
  maxDocumentBytes: 8 * 1024 * 1024,
  /** Largest presence (awareness) message: a cursor and a name, never content. */
  maxAwarenessBytes: 16 * 1024,
  /** Token bucket per connection: fast typing sends ~10–20 updates a second plus presence. */
  messagesPerSecond: 60,
  messageBurst: 300,
  /** Socket.IO frames the server accepts (joins and acks only; the server sends the large ones). */
  socketMaxBufferBytes: 64 * 1024,
} as const;

/** The Yjs WebSocket path of a project, relative to the server's origin. */
export const collabPath = (projectId: string): string => `/collab/${encodeURIComponent(projectId)}`;

// ---------------------------------------------------------------------------------------------
// Socket.IO event map

/** The Socket.IO room of one project; every event below about that project goes to it. */
export const projectRoom = (projectId: string): string => `project:${projectId}`;
/** The project of a room made by projectRoom, or null for any other room. */
export const projectIdOfRoom = (room: string): string | null => (room.startsWith('project:') ? room.slice('project:'.length) : null);

/** The planner began writing the project's storyboard; its scenes follow (planner:scene), then planner:done. */
export interface PlannerStartedEvent {
  project_id: string;
  task_id: string | null;
}

/** Where the planner is in a project's storyboard right now (in the join ack, for whoever opens it mid-way). */
export interface PlanningNow {
  /** Scenes written so far (0: none yet). */
  scenes: number;
  /** Scenes planned in all; null while the LLM is still writing. */
  total: number | null;
}

/** The planner wrote one more scene into the project's storyboard (scenes arrive one by one). */
export interface PlannerSceneEvent {
  project_id: string;
  task_id: string | null;
  /** 1-based position of the scene that arrived. */
  scene_number: number;
  /** Scenes planned in all; null while the LLM is still writing (it does not announce a count first). */
  total: number | null;
  scene_id: string;
}

/** The planner finished (or gave up on) the storyboard. */
export interface PlannerDoneEvent {
  project_id: string;
  task_id: string | null;
  ok: boolean;
  /** Why planning failed, in English (detail); null when ok. */
  error: string | null;
  /** Why planning failed as a code the studio translates; null when ok. */
  failure_code: PlanFailureCode | null;
  /** Which planner wrote the storyboard and why it fell back, if it did; null when planning failed. */
  planner: PlannerRecord | null;
}

/**
 * The render queue moved (a task was queued, started, ended, cancelled or reordered; the queue
 * was paused or resumed): pages showing queue places or ETAs fetch them again. Sent to every
 * signed-in socket, at most a few times a second; it names no task, so it tells nobody anything
 * about others' work beyond that the queue moved.
 */
export interface QueueChangedEvent {
  paused: boolean;
}

export interface TaskStatusEvent {
  project_id: string;
  task_id: string;
  status: TaskStatus;
  /** 0..1, the same figure GET /api/tasks/{id} reports. */
  progress: number;
}

export interface RenderProgressEvent {
  project_id: string;
  task_id: string;
  scene_number: number;
  /** Diffusion step or frame done, of `total`. */
  step: number;
  total: number;
  /** Estimated seconds left for this scene; null until there is enough to go on. */
  eta_s: number | null;
  /** The whole task, 0..1, counting the scene under way (as GET /api/tasks/{id} reports it). */
  task_progress: number;
}

/** A low-resolution look at a scene being rendered; sent volatile (dropped for slow clients, never queued). */
export interface PreviewFrameEvent {
  project_id: string;
  task_id: string;
  scene_number: number;
  /** JPEG bytes: a Buffer/Uint8Array on the server side, an ArrayBuffer in the browser. */
  jpeg: ArrayBuffer | Uint8Array;
  /** When the render worker made the frame (ms since the epoch, the server's clock): how stale it is when it arrives. */
  at: number;
}

export interface TaskFinishedEvent {
  project_id: string;
  task_id: string;
  video_url: string;
  duration: number;
}

export interface TaskFailedEvent {
  project_id: string;
  task_id: string;
  /** 'cancelled' when someone cancelled it; else why it failed, in English (detail). */
  error: string;
  /** Why it failed as a code the studio translates ('cancelled' when someone cancelled it). */
  failure_code: TaskFailureCode;
}

/** Sent to one member's sockets when they lost access (removed, or the project was deleted). */
export interface ProjectAccessRevokedEvent {
  project_id: string;
  reason: 'removed' | 'project-deleted';
}

/**
 * Sent to one member's sockets when their role on a project changed (an owner made them editor
 * or viewer): the open editor switches between editing and read-only without a reload. `role` is
 * what the server now enforces for them (an admin's stays what roleOf gives an admin).
 */
export interface ProjectRoleChangedEvent {
  project_id: string;
  role: ProjectRole;
}

/**
 * Someone saved, restored or deleted a named version of the project's storyboard: every open
 * version panel of the project reloads its list. A restore also saves a backup version
 * (`backup_id`); the restored storyboard itself reaches editors over /collab as a normal edit.
 */
export interface VersionsChangedEvent {
  project_id: string;
  change: 'saved' | 'restored' | 'deleted';
  /** The version saved, restored or deleted. */
  version_id: string;
  /** The version's name (for a notice such as "alice saved “first cut”"). */
  name: string;
  /** The backup a restore saved first; null otherwise. */
  backup_id: string | null;
  /** Username of who did it. */
  by: string;
}

export interface JoinProjectRequest {
  project_id: string;
}
export type JoinProjectAck =
  | {
      ok: true;
      project_id: string;
      role: ProjectRole;
      /**
       * The planner's progress at the moment of joining, null when it is not writing this
       * storyboard. A planner event that arrives before this ack is newer than it.
       */
      planning: PlanningNow | null;
    }
  /** code as the REST API would answer: 400 bad request, 401 signed out, 404 no such project or not a member. */
  | { ok: false; code: 400 | 401 | 404; message: string };
export type LeaveProjectAck = { ok: true } | { ok: false; code: 400; message: string };

export interface ServerToClientEvents {
  'planner:started': (e: PlannerStartedEvent) => void;
  'planner:scene': (e: PlannerSceneEvent) => void;
  'planner:done': (e: PlannerDoneEvent) => void;
  'task:status': (e: TaskStatusEvent) => void;
  'queue:changed': (e: QueueChangedEvent) => void;
  'render:progress': (e: RenderProgressEvent) => void;
  /** Emit with `.volatile`. */
  'render:preview': (e: PreviewFrameEvent) => void;
  'task:finished': (e: TaskFinishedEvent) => void;
  'task:failed': (e: TaskFailedEvent) => void;
  'project:revoked': (e: ProjectAccessRevokedEvent) => void;
  'project:role': (e: ProjectRoleChangedEvent) => void;
  'versions:changed': (e: VersionsChangedEvent) => void;
  /** What the content filter found in the live storyboard (all current hits; empty once clean). */
  'filter:hits': (e: DocumentFilterHitsEvent) => void;
  /** To every signed-in socket: a rescan of the model registry changed which kinds have a usable model. */
  'models:changed': (e: ModelCapabilities) => void;
}

export interface ClientToServerEvents {
  'project:join': (req: JoinProjectRequest, ack: (res: JoinProjectAck) => void) => void;
  'project:leave': (req: JoinProjectRequest, ack: (res: LeaveProjectAck) => void) => void;
}
