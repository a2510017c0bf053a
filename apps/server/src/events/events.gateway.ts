import { Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import {
  COLLAB_LIMITS,
  projectIdOfRoom,
  projectRoom,
  type ClientToServerEvents,
  type JoinProjectAck,
  type PreviewFrameEvent,
  type ProjectAccessRevokedEvent,
  type ServerToClientEvents,
} from '@reelcraft/shared';
import type { Server, Socket } from 'socket.io';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { OriginPolicy } from '../auth/same-origin';
import { SECURITY_HEADERS } from '../common/security-headers';
import { readCredential, type Credential } from '../auth/session-cookie';
import { SessionsService, type SessionChange } from '../auth/sessions.service';
import { ModelsService } from '../models/models.service';
import { DocumentScreening } from '../moderation/document-screening';
import { ProjectsService } from '../projects/projects.service';
import { RedisConnections } from '../redis/redis-connections';
import { RenderEvents, type RenderEventMap } from '../renders/render-events';
import { VersionsService } from '../versions/versions.service';

interface SocketData {
  user: AuthenticatedUser;
  token: string;
}
type EventsServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type EventsSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Every socket of one user joins this room, so a task's owner hears about it without joining a project. */
export const ownerRoom = (userId: string) => `user:${userId}`;

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Socket.IO at /socket.io: the same session as the REST API (`auth.token` in the handshake, or the
 * session cookie / Bearer header), a room per project (joined after a membership check) and a room
 * per user. Render events go to the task owner's room and to the room of the project made for it.
 *
 * With REDIS_URL the rooms span every instance (@socket.io/redis-adapter): the instance that runs
 * a task emits its events once and a watcher connected to any instance receives them. The replay
 * caches below stay per instance: a socket that joins on another instance than the renderer's
 * waits for the next preview frame instead of getting the last one at once.
 */
@WebSocketGateway({ path: '/socket.io', serveClient: false, maxHttpBufferSize: COLLAB_LIMITS.socketMaxBufferBytes })
export class EventsGateway implements OnGatewayInit<EventsServer>, OnGatewayConnection<EventsSocket> {
  @WebSocketServer() private readonly server: EventsServer;
  private readonly logger = new Logger('Events');
  /** The newest preview of each rendering task, for sockets that join after it was sent. */
  private readonly latestPreview = new Map<string, { ownerId: string; event: PreviewFrameEvent }>();
  /** Tasks that finished or failed lately, newest last. */
  private readonly ended = new Set<string>();
  /** Task id → project id; a task's project never changes once made. */
  private readonly projectOfTask = new Map<string, string>();

  constructor(
    private readonly sessions: SessionsService,
    private readonly projects: ProjectsService,
    private readonly renders: RenderEvents,
    private readonly versions: VersionsService,
    private readonly origins: OriginPolicy,
    private readonly documentScreening: DocumentScreening,
    private readonly redis: RedisConnections,
    private readonly models: ModelsService,
  ) {}

  afterInit(server: EventsServer): void {
    const clients = this.redis.socketIoClients();
    if (clients) server.adapter(createAdapter(clients.pub, clients.sub, { key: `${this.redis.prefix}socket.io` }));
    // Socket.IO's polling answers bypass Express: give them the same headers as every other answer.
    server.engine.on('initial_headers', (headers: Record<string, string>) => Object.assign(headers, SECURITY_HEADERS));
    server.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, SECURITY_HEADERS));
    // A failing handshake refuses that one connection: nothing in here may throw past `next`.
    server.use((socket, next) => {
      this.authenticate(socket).then(
        (refusal) => next(refusal ? new Error(refusal) : undefined),
        (err: Error) => {
          this.logger.warn(`handshake refused: ${err.message}`);
          next(new Error('unauthenticated: sign in first'));
        },
      );
    });
    this.sessions.onChange((change) => {
      this.applySessionChange(change).catch((err: Error) => this.logger.error(`could not apply a session change: ${err.message}`));
    });
    this.listen();
    this.projects.planningProgress.subscribe((p) => {
      const room = this.server.to(projectRoom(p.event.project_id));
      if (p.kind === 'started') room.emit('planner:started', p.event);
      else if (p.kind === 'scene') room.emit('planner:scene', p.event);
      else room.emit('planner:done', p.event);
    });
    // What the content filter found in a live storyboard: where and which category, to its members.
    this.documentScreening.onHits((e) => this.server.to(projectRoom(e.project_id)).emit('filter:hits', e));
    // A rescan changed which models are usable: every open editor enables or disables what needs one.
    this.models.onChanged((c) => this.server.emit('models:changed', c));
    // Saved, restored or deleted versions: every member's open version panel reloads.
    this.versions.onChanged((e) => this.server.to(projectRoom(e.project_id)).emit('versions:changed', e));
    this.projects.onMembershipChanged((c) => {
      if (c.role === null) {
        const reason = c.reason === 'project-deleted' ? 'project-deleted' : 'removed';
        this.revoke({ project_id: c.project_id, reason }, c.user_id).catch((err: Error) => this.logger.error(`could not revoke access: ${err.message}`));
      } else if (c.reason === 'role-changed') {
        this.announceRole(c.project_id, c.user_id).catch((err: Error) => this.logger.error(`could not announce a role change: ${err.message}`));
      }
    });
  }

  /** Null when the handshake may go on (socket.data is then filled), else why not. */
  private async authenticate(socket: EventsSocket): Promise<string | null> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const credential: Credential | null =
      typeof auth?.token === 'string' && auth.token ? { token: auth.token, via: 'handshake' } : readCredential(socket.handshake.headers);
    const user = credential ? await this.sessions.resolve(credential.token) : null;
    if (!user) return 'unauthenticated: sign in first';
    if (credential!.via === 'cookie') {
      const refusal = this.origins.refusal(socket.handshake.headers);
      if (refusal) return `forbidden: ${refusal}`;
    }
    socket.data.user = user;
    socket.data.token = credential!.token;
    return null;
  }

  /**
   * An ended session's sockets are disconnected; a changed account (its global role) is looked
   * up again and each project room it is in is re-checked, as a membership change would be.
   * This instance's sockets only: every instance hears the change (SessionsService relays it
   * through Redis) and closes its own, which also works while Redis is away.
   */
  private async applySessionChange(change: SessionChange): Promise<void> {
    for (const socket of await this.server.local.in(ownerRoom(change.userId)).fetchSockets()) {
      const user = socket.data.user;
      if (change.kind === 'ended') {
        if (!change.sessionId || change.sessionId === user.sessionId) socket.disconnect(true);
        continue;
      }
      const now = await this.sessions.current(user.sessionId);
      if (!now) {
        socket.disconnect(true);
        continue;
      }
      socket.data.user = now;
      for (const room of socket.rooms) {
        const projectId = projectIdOfRoom(room);
        if (!projectId) continue;
        const role = await this.projects.roleOf(now, projectId);
        if (role) socket.emit('project:role', { project_id: projectId, role });
        else {
          socket.emit('project:revoked', { project_id: projectId, reason: 'removed' });
          socket.leave(room);
        }
      }
    }
  }

  handleConnection(socket: EventsSocket): void {
    const user = socket.data.user;
    void socket.join(ownerRoom(user.id));
    // Not volatile: one frame, sent as the socket opens, when a volatile one is simply dropped.
    for (const { ownerId, event } of this.latestPreview.values()) if (ownerId === user.id) socket.emit('render:preview', event);
    socket.on('project:join', (req, ack) => {
      void this.join(socket, req?.project_id).then(
        (res) => typeof ack === 'function' && ack(res),
        (err: Error) => {
          this.logger.error(`project:join failed: ${err.message}`);
          if (typeof ack === 'function') ack({ ok: false, code: 400, message: 'could not join' });
        },
      );
    });
    socket.on('project:leave', (req, ack) => {
      const id = req?.project_id;
      if (typeof id !== 'string' || !PROJECT_ID.test(id)) return typeof ack === 'function' && ack({ ok: false, code: 400, message: 'project_id is required' });
      void socket.leave(projectRoom(id));
      if (typeof ack === 'function') ack({ ok: true });
    });
  }

  /**
   * Tells a removed member and takes their sockets out of the project's room. An admin keeps
   * access without a membership (as roleOf says), except to a deleted project.
   */
  private async revoke(e: ProjectAccessRevokedEvent, userId: string): Promise<void> {
    for (const socket of await this.socketsOf(userId)) {
      if (socket.data.user.role === 'admin' && e.reason !== 'project-deleted') continue;
      socket.emit('project:revoked', e);
      socket.leave(projectRoom(e.project_id));
    }
  }

  /**
   * Tells a member whose role changed what they may do now, on each of their sockets in the
   * project's room (the /collab connection has already been switched by CollabServer).
   */
  private async announceRole(projectId: string, userId: string): Promise<void> {
    const sockets = (await this.socketsOf(userId)).filter((s) => s.rooms.has(projectRoom(projectId)));
    if (sockets.length === 0) return;
    // Every socket in the owner room is this one user's: one answer serves them all.
    const role = await this.projects.roleOf(sockets[0]!.data.user, projectId);
    if (role) for (const socket of sockets) socket.emit('project:role', { project_id: projectId, role });
  }

  /**
   * The user's sockets on every instance (membership changes are heard only where they happen).
   * When the other instances cannot be asked (Redis away), this instance's own still are.
   */
  private async socketsOf(userId: string) {
    try {
      return await this.server.in(ownerRoom(userId)).fetchSockets();
    } catch (err) {
      this.logger.warn(`only this instance's sockets of a user were reached: ${(err as Error).message}`);
      return this.server.local.in(ownerRoom(userId)).fetchSockets();
    }
  }

  private async join(socket: EventsSocket, projectId: unknown): Promise<JoinProjectAck> {
    if (typeof projectId !== 'string' || !PROJECT_ID.test(projectId)) return { ok: false, code: 400, message: 'project_id is required' };
    // The session may have ended since the handshake (logout, disabled account).
    const user = await this.sessions.resolve(socket.data.token);
    if (!user) return { ok: false, code: 401, message: 'the session has ended: sign in again' };
    const role = await this.projects.roleOf(user, projectId);
    if (!role) return { ok: false, code: 404, message: 'no such project, or you are not a member' };
    await socket.join(projectRoom(projectId));
    for (const { event } of this.latestPreview.values()) if (event.project_id === projectId) socket.emit('render:preview', event);
    const hits = this.documentScreening.hitsOf(projectId);
    if (hits.length) socket.emit('filter:hits', { project_id: projectId, hits });
    // Read once in the room: every planner event from here on reaches this socket as well.
    return { ok: true, project_id: projectId, role, planning: this.projects.planningOf(projectId) };
  }

  private listen(): void {
    const on = <K extends keyof RenderEventMap>(name: K, handle: (...args: RenderEventMap[K]) => Promise<void>) =>
      this.renders.on(name, ((...args: RenderEventMap[K]) => {
        handle(...args).catch((err: Error) => this.logger.error(`could not relay ${name}: ${err.message}`));
      }) as never);

    on('status', async (e) => {
      (await this.rooms(e)).emit('task:status', { project_id: await this.project(e.taskId), task_id: e.taskId, status: e.status, progress: e.progress });
    });
    on('progress', async (e) => {
      // The stored preview belongs to a scene that is over once another one makes progress: a later joiner must not see it.
      if (this.latestPreview.get(e.taskId)?.event.scene_number !== e.sceneNumber) this.latestPreview.delete(e.taskId);
      (await this.rooms(e)).emit('render:progress', {
        project_id: await this.project(e.taskId),
        task_id: e.taskId,
        scene_number: e.sceneNumber,
        step: e.step,
        total: e.total,
        eta_s: e.etaS,
        task_progress: e.taskProgress,
      });
    });
    on('preview', async (e) => {
      const event: PreviewFrameEvent = { project_id: await this.project(e.taskId), task_id: e.taskId, scene_number: e.sceneNumber, jpeg: e.jpeg, at: e.at };
      // A frame that arrives after its task ended (the lookup above yields) is never stored for replay.
      if (this.ended.has(e.taskId)) return;
      this.latestPreview.set(e.taskId, { ownerId: e.ownerId, event });
      // Volatile: a slow client skips frames instead of queueing them; the next one supersedes it anyway.
      (await this.rooms(e)).volatile.emit('render:preview', event);
    });
    // Every signed-in socket: each user's own places and ETAs move with everyone's tasks.
    on('queue', async (e) => void this.server.emit('queue:changed', e));
    on('finished', async (e) => {
      this.end(e.taskId);
      (await this.rooms(e)).emit('task:finished', { project_id: await this.project(e.taskId), task_id: e.taskId, video_url: e.videoUrl, duration: e.duration });
      this.projectOfTask.delete(e.taskId);
    });
    on('failed', async (e) => {
      this.end(e.taskId);
      (await this.rooms(e)).emit('task:failed', { project_id: await this.project(e.taskId), task_id: e.taskId, error: e.error, failure_code: e.code });
      this.projectOfTask.delete(e.taskId);
    });
  }

  /** The task is over: its preview goes, and a frame still on its way is dropped. */
  private end(taskId: string): void {
    this.latestPreview.delete(taskId);
    this.ended.add(taskId);
    // Bounded: a late frame arrives within moments of the end, never after a thousand more tasks.
    if (this.ended.size > 1000) this.ended.delete(this.ended.values().next().value!);
  }

  private async rooms(e: { taskId: string; ownerId: string }) {
    const projectId = await this.projectIdOf(e.taskId);
    return projectId ? this.server.to([ownerRoom(e.ownerId), projectRoom(projectId)]) : this.server.to(ownerRoom(e.ownerId));
  }

  /** The event map's project_id: empty for a seed-API task that no project was made for. */
  private async project(taskId: string): Promise<string> {
    return (await this.projectIdOf(taskId)) ?? '';
  }

  private async projectIdOf(taskId: string): Promise<string | null> {
    const known = this.projectOfTask.get(taskId);
    if (known) return known;
    // Not cached when missing: the project for a task may be made while it renders.
    const row = await this.projects.projectOfTask(taskId);
    if (row) this.projectOfTask.set(taskId, row.id);
    return row?.id ?? null;
  }
}
