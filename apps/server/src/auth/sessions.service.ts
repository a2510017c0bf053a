import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { User } from '../users/user.entity';
import type { AuthenticatedUser } from './authenticated-user';
import { Session } from './session.entity';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Opaque bearer tokens backed by the sessions table, so logout, disabling and password resets end them at once. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    if (!session) return null;
    const user = await this.users.findOne({ where: { id: session.user_id } });
    if (!user || user.disabled) return null;
    return { id: user.id, username: user.username, role: user.role, sessionId: session.id };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.sessions.update({ id: sessionId, revoked_at: IsNull() }, { revoked_at: new Date() });
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.sessions.update({ user_id: userId, revoked_at: IsNull() }, { revoked_at: new Date() });
  }
}
