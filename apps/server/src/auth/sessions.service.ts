import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import type { SessionView } from '@reelcraft/shared';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';
import { User } from '../users/user.entity';
import type { AuthenticatedUser } from './authenticated-user';
import { Session } from './session.entity';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * What open connections must act on at once: `ended` sessions are over (logout: that one
 * session; disabling or a password reset: every session of the user), `changed` means the
 * user's account changed (their global role) and whatever a connection was allowed must be
 * decided again.
 */
export type SessionChange =
  | { kind: 'ended'; userId: string; sessionId?: string }
  | { kind: 'changed'; userId: string };

/** The Redis channel (after REDIS_PREFIX) on which instances tell each other of session changes. */
export const SESSION_CHANGES_CHANNEL = 'sessions:changes';

/** A change another instance published, or null when the message is not one (never trusted blindly). */
export function parseSessionChange(message: string): { from: string; change: SessionChange } | null {
  let m: unknown;
  try {
    m = JSON.parse(message);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  const { from, change } = m as { from?: unknown; change?: Record<string, unknown> };
  if (typeof from !== 'string' || !change || typeof change.userId !== 'string') return null;
  if (change.kind === 'changed') return { from, change: { kind: 'changed', userId: change.userId } };
  if (change.kind !== 'ended') return null;
  if (change.sessionId === undefined) return { from, change: { kind: 'ended', userId: change.userId } };
  // One session's end, never read as every session's.
  if (typeof change.sessionId !== 'string' || !change.sessionId) return null;
  return { from, change: { kind: 'ended', userId: change.userId, sessionId: change.sessionId } };
}

/**
 * Opaque bearer tokens backed by the sessions table, so logout, disabling and password resets end
 * them at once. With REDIS_URL every change is also published, and changes published by the other
 * instances reach this instance's listeners: each instance closes the connections it holds.
 */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly changes = new Subject<SessionChange>();
  private readonly logger = new Logger('Sessions');

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisConnections,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.redis.enabled) return;
    await this.redis.subscribe(SESSION_CHANGES_CHANNEL, (message) => {
      const parsed = parseSessionChange(message);
      if (!parsed) return this.logger.warn('ignored a malformed session change from Redis');
      // Our own publication coming back: the listeners here have had it already.
      if (parsed.from !== this.redis.instanceId) this.changes.next(parsed.change);
    });
  }

  /** Open sockets listen here, so an ended session stops editing and hearing events at once. */
  onChange(listener: (change: SessionChange) => void): () => void {
    const sub = this.changes.subscribe(listener);
    return () => sub.unsubscribe();
  }

  /** `client`: what signed in (shown to the user in their session list), cut to the columns' sizes. */
  async issue(userId: string, client: { userAgent?: string; address?: string } = {}): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.sessionTtlHours * 3600_000);
    await this.sessions.insert({
      id: randomUUID(),
      user_id: userId,
      token_hash: hashToken(token),
      expires_at: expiresAt,
      revoked_at: null,
      user_agent: client.userAgent ? client.userAgent.slice(0, 300) : null,
      address: client.address ? client.address.slice(0, 64) : null,
    });
    return { token, expiresAt };
  }

  /** The user's sessions that have not ended, newest first; `currentId` is marked. */
  async listOf(userId: string, currentId: string): Promise<SessionView[]> {
    const rows = await this.sessions.find({ where: { user_id: userId, revoked_at: IsNull(), expires_at: MoreThan(new Date()) }, order: { created_at: 'DESC', id: 'ASC' } });
    return rows.map((s) => ({
      id: s.id,
      created_at: s.created_at.toISOString(),
      expires_at: s.expires_at.toISOString(),
      user_agent: s.user_agent,
      address: s.address,
      current: s.id === currentId,
    }));
  }

  /** Ends one of the user's own sessions; false when they have no such live session. */
  async revokeOwn(userId: string, sessionId: string): Promise<boolean> {
    const { affected } = await this.sessions.update({ id: sessionId, user_id: userId, revoked_at: IsNull() }, { revoked_at: new Date() });
    if (!affected) return false;
    this.announce({ kind: 'ended', userId, sessionId });
    return true;
  }

  /** Ends every session of the user but `keepId` (a password change keeps the session that made it). */
  async revokeOthersOf(userId: string, keepId: string): Promise<void> {
    const others = await this.sessions.find({ where: { user_id: userId, revoked_at: IsNull(), id: Not(keepId) }, select: { id: true } });
    if (!others.length) return;
    await this.sessions.update({ id: In(others.map((s) => s.id)), revoked_at: IsNull() }, { revoked_at: new Date() });
    for (const s of others) this.announce({ kind: 'ended', userId, sessionId: s.id });
  }

  async resolve(token: string): Promise<AuthenticatedUser | null> {
    const session = await this.sessions.findOne({
      where: { token_hash: hashToken(token), revoked_at: IsNull(), expires_at: MoreThan(new Date()) },
    });
    return session ? this.userOf(session) : null;
  }

  /** The session's user as of now (role included), or null when the session or account has ended. */
  async current(sessionId: string): Promise<AuthenticatedUser | null> {
    const session = await this.sessions.findOne({ where: { id: sessionId, revoked_at: IsNull(), expires_at: MoreThan(new Date()) } });
    return session ? this.userOf(session) : null;
  }

  async revoke(sessionId: string): Promise<void> {
    const session = await this.sessions.findOne({ where: { id: sessionId } });
    await this.sessions.update({ id: sessionId, revoked_at: IsNull() }, { revoked_at: new Date() });
    if (session) this.announce({ kind: 'ended', userId: session.user_id, sessionId });
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.sessions.update({ user_id: userId, revoked_at: IsNull() }, { revoked_at: new Date() });
    this.announce({ kind: 'ended', userId });
  }

  /** The account changed in a way that may narrow what its open sessions may do (its role). */
  userChanged(userId: string): void {
    this.announce({ kind: 'changed', userId });
  }

  /** Local listeners at once; the other instances through Redis (a failure there is logged by the publisher). */
  private announce(change: SessionChange): void {
    this.changes.next(change);
    if (this.redis.enabled) void this.redis.publish(SESSION_CHANGES_CHANNEL, JSON.stringify({ from: this.redis.instanceId, change }));
  }

  private async userOf(session: Session): Promise<AuthenticatedUser | null> {
    const user = await this.users.findOne({ where: { id: session.user_id } });
    if (!user || user.disabled) return null;
    return { id: user.id, username: user.username, role: user.role, sessionId: session.id };
  }
}
