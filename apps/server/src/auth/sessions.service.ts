import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
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

/** Opaque bearer tokens backed by the sessions table, so logout, disabling and password resets end them at once. */
@Injectable()
export class SessionsService {
  private readonly changes = new Subject<SessionChange>();

  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Open sockets listen here, so an ended session stops editing and hearing events at once. */
  onChange(listener: (change: SessionChange) => void): () => void {
    const sub = this.changes.subscribe(listener);
    return () => sub.unsubscribe();
  }

  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.sessionTtlHours * 3600_000);
    await this.sessions.insert({ id: randomUUID(), user_id: userId, token_hash: hashToken(token), expires_at: expiresAt, revoked_at: null });
    return { token, expiresAt };
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
    if (session) this.changes.next({ kind: 'ended', userId: session.user_id, sessionId });
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.sessions.update({ user_id: userId, revoked_at: IsNull() }, { revoked_at: new Date() });
    this.changes.next({ kind: 'ended', userId });
  }

  /** The account changed in a way that may narrow what its open sessions may do (its role). */
  userChanged(userId: string): void {
    this.changes.next({ kind: 'changed', userId });
  }

  private async userOf(session: Session): Promise<AuthenticatedUser | null> {
    const user = await this.users.findOne({ where: { id: session.user_id } });
    if (!user || user.disabled) return null;
    return { id: user.id, username: user.username, role: user.role, sessionId: session.id };
  }
}
