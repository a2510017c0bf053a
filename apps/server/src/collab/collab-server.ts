import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { COLLAB_CLOSE, COLLAB_CLOSE_REASONS, canEditProject } from '@reelcraft/shared';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SessionsService, type SessionChange } from '../auth/sessions.service';
import { oneLine } from '../common/one-line';
import { ProjectsService, type MembershipChange, type MembershipChangeReason } from '../projects/projects.service';
import { RedisConnections } from '../redis/redis-connections';
import { CollabAuth } from './collab-auth';
import { CollabConnection } from './collab-connection';
import { CollabDocuments } from './collab-documents';
import { CollabLimits } from './collab-limits';
import type { HostedDoc } from './hosted-doc';

const COLLAB_PATH = /^\/collab\/([A-Za-z0-9_-]{1,64})\/?$/;

/** The Redis channel (after REDIS_PREFIX) on which instances tell each other of membership changes for /collab. */
export const COLLAB_MEMBERSHIP_CHANNEL = 'collab:memberships';

const MEMBERSHIP_REASONS: readonly MembershipChangeReason[] = ['added', 'role-changed', 'removed', 'left', 'project-deleted'];
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A membership change another instance published, or null when the message is not one (never
 * trusted blindly): only the fields /collab acts on are kept, each checked.
 */
export function parseMembershipChange(message: string): { from: string; change: Pick<MembershipChange, 'project_id' | 'user_id' | 'reason'> } | null {
  let m: unknown;
  try {
    m = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const { from, change } = m as { from?: unknown; change?: unknown };
  if (typeof from !== 'string' || !from || typeof change !== 'object' || change === null) return null;
  const { project_id, user_id, reason } = change as Record<string, unknown>;
  if (typeof project_id !== 'string' || !ID.test(project_id)) return null;
  if (typeof user_id !== 'string' || !ID.test(user_id)) return null;
  if (typeof reason !== 'string' || !MEMBERSHIP_REASONS.includes(reason as MembershipChangeReason)) return null;
  return { from, change: { project_id, user_id, reason: reason as MembershipChangeReason } };
}

/**
 * The y-websocket endpoint at /collab/<projectId>, on the API's own HTTP server. The upgrade is
 * always completed and a refusal is a close code (4401 no session, 4403 no access): a browser's
 * WebSocket never sees the HTTP status of a refused upgrade, but it does see a close code.
 */
@Injectable()
export class CollabServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Collab');
  private readonly connections = new Set<CollabConnection>();
  private wss: WebSocketServer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private server: Server | null = null;
  private stopWatching: (() => void) | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: CollabAuth,
    private readonly documents: CollabDocuments,
    private readonly limits: CollabLimits,
    private readonly projects: ProjectsService,
    private readonly sessions: SessionsService,
    private readonly redis: RedisConnections,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.hardFrameBytes });
    this.server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.connections.forEach((c) => c.heartbeat()), this.limits.pingIntervalMs);
    this.heartbeat.unref();
    const stopMembers = this.projects.onMembershipChanged((change) => {
      this.applyMembershipChange(change).catch((err: Error) => this.logger.error(`could not apply a membership change: ${err.message}`));
      // The member's /collab connections may be on other instances: each applies it to its own.
      if (this.redis.enabled) {
        const { project_id, user_id, reason } = change;
        void this.redis.publish(COLLAB_MEMBERSHIP_CHANNEL, JSON.stringify({ from: this.redis.instanceId, change: { project_id, user_id, reason } }));
      }
    });
    let stopRemote = (): void => undefined;
    if (this.redis.enabled) {
      stopRemote = await this.redis.subscribe(COLLAB_MEMBERSHIP_CHANNEL, (message) => {
        const parsed = parseMembershipChange(message);
        if (!parsed) return this.logger.warn('ignored a malformed membership change from Redis');
        // Our own publication coming back: applied locally already.
        if (parsed.from === this.redis.instanceId) return;
        this.applyMembershipChange(parsed.change).catch((err: Error) => this.logger.error(`could not apply a relayed membership change: ${err.message}`));
      });
    }
    const stopSessions = this.sessions.onChange((change) => {
      this.applySessionChange(change).catch((err: Error) => this.logger.error(`could not apply a session change: ${err.message}`));
    });
    this.stopWatching = () => {
      stopMembers();
      stopSessions();
      stopRemote();
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    this.stopWatching?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    const closed = [...this.connections].map((c) => new Promise<void>((res) => {
      c.ws.once('close', () => res());
      c.close(COLLAB_CLOSE.GOING_AWAY, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.GOING_AWAY]);
      // A peer that does not answer the close handshake is cut after a moment.
      setTimeout(() => c.ws.terminate(), 1000).unref();
    }));
    await Promise.all(closed);
    await this.documents.unloadAll();
    this.wss?.close();
  }

  /**
   * Re-checks the member's open sockets on the project: gone → closed (4403, or 4404 when the
   * project was deleted, whose stored document then goes too); new role → read-only or not.
   * roleOf decides, so an admin who is no member keeps access.
   */
  private async applyMembershipChange(change: Pick<MembershipChange, 'project_id' | 'user_id' | 'reason'>): Promise<void> {
    if (change.reason === 'project-deleted') {
      for (const c of this.connections) if (c.projectId === change.project_id) c.close(COLLAB_CLOSE.NOT_FOUND, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.NOT_FOUND]);
      await this.documents.discard(change.project_id);
      return;
    }
    for (const c of this.connections) {
      if (c.projectId !== change.project_id || c.userId !== change.user_id || !c.user) continue;
      const role = await this.projects.roleOf(c.user, change.project_id);
      if (!role) c.close(COLLAB_CLOSE.FORBIDDEN, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.FORBIDDEN]);
      else c.readOnly = !canEditProject(role);
    }
  }

  /**
   * Logout, disabling or a password reset closes the session's sockets (4401); a changed global
   * role is decided again per socket, as a membership change is.
   */
  private async applySessionChange(change: SessionChange): Promise<void> {
    for (const c of [...this.connections]) {
      const user = c.user;
      if (!user || user.id !== change.userId) continue;
      if (change.kind === 'ended' && change.sessionId && change.sessionId !== user.sessionId) continue;
      const now = change.kind === 'ended' ? null : await this.sessions.current(user.sessionId);
      if (!now) {
        c.close(COLLAB_CLOSE.UNAUTHENTICATED, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.UNAUTHENTICATED]);
        continue;
      }
      const access = await this.auth.accessOf(now, c.projectId);
      if (!access.ok) c.close(access.code, access.reason);
      else {
        c.user = now;
        c.readOnly = access.readOnly;
      }
    }
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (!path.startsWith('/collab/')) return; // Socket.IO's engine handles its own path.
    const match = COLLAB_PATH.exec(path);
    if (!match) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    try {
      this.wss!.handleUpgrade(req, socket, head, (ws) => {
        void this.accept(ws, req, match[1]).catch((err: Error) => {
          this.logger.error(`collab connection to ${match[1]} failed: ${oneLine(err)}`);
          if (ws.readyState === ws.OPEN) ws.close(COLLAB_CLOSE.INTERNAL, COLLAB_CLOSE_REASONS[COLLAB_CLOSE.INTERNAL]);
        });
      });
    } catch (err) {
      this.logger.warn(`collab upgrade refused: ${oneLine(err)}`);
      socket.destroy();
    }
  };

  private async accept(ws: WebSocket, req: IncomingMessage, projectId: string): Promise<void> {
    const conn = new CollabConnection(ws, this.limits, projectId);
    this.connections.add(conn);
    let doc: HostedDoc | null = null;
    ws.once('close', () => {
      this.connections.delete(conn);
      if (!doc) return;
      doc.leave(conn);
      this.documents.release(projectId);
    });
    const access = await this.auth.authorise(req, projectId);
    if (!access.ok) return conn.close(access.code, access.reason);
    if (!conn.open) return;
    const opened = await this.documents.open(projectId);
    if (!conn.open) return this.documents.release(projectId);
    doc = opened;
    conn.attach(doc, access.user, access.readOnly);
  }
}
