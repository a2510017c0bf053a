import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import type { CreateUserBody, Page, UpdateUserBody, UserListQuery, UserView } from '@reelcraft/shared';
import { SessionsService } from '../auth/sessions.service';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from '../auth/passwords';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { contains } from '../database/contains';
import { isUniqueViolation } from '../database/unique-violation';
import { User } from './user.entity';
import { apiError } from '../common/api-error';

export const toUserView = (u: User): UserView => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  max_running_tasks: u.max_running_tasks,
  max_queued_tasks: u.max_queued_tasks,
  created_at: u.created_at.toISOString(),
});

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** First start on an empty database: create the admin, with the configured password or a generated one printed once. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const { username } = this.config.admin;
    const password = this.config.admin.password ?? randomBytes(12).toString('base64url');
    await this.users.insert({ id: randomUUID(), username, password_hash: await hashPassword(password), role: 'admin', disabled: false });
    if (this.config.admin.password) {
      this.logger.log(`created the first admin "${username}" with the password from REELCRAFT_ADMIN_PASSWORD`);
    } else {
      this.logger.warn(`created the first admin "${username}" with the generated password: ${password}  (shown once; change it after signing in)`);
    }
  }

  /** The user when the password matches and the account is enabled; null otherwise (same time either way). */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.users.findOne({ where: { username } });
    const ok = await verifyPassword(user?.password_hash ?? (await DUMMY_HASH_PROMISE), password);
    return user && ok && !user.disabled ? user : null;
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOne({ where: { id } });
    if (!user) throw apiError(404, 'user_not_found', `no user ${id}`);
    return user;
  }

  async list(q: UserListQuery): Promise<Page<UserView>> {
    const term = q.q?.trim();
    const [rows, total] = await this.users.findAndCount({
      where: term ? { username: contains(term) } : {},
      order: { username: 'ASC' },
      skip: (q.page - 1) * q.page_size,
      take: q.page_size,
    });
    return { items: rows.map(toUserView), total, page: q.page, page_size: q.page_size };
  }

  async create(body: CreateUserBody): Promise<User> {
    const taken = () => apiError(409, 'username_taken', `username "${body.username}" is taken`, { username: body.username });
    // Checked first to skip hashing a password for nothing; the unique key settles a race.
    if (await this.users.exist({ where: { username: body.username } })) throw taken();
    const user = this.users.create({
      id: randomUUID(),
      username: body.username,
      password_hash: await hashPassword(body.password),
      role: body.role,
      disabled: false,
      max_running_tasks: null,
      max_queued_tasks: null,
    });
    try {
      return await this.users.save(user);
    } catch (err) {
      throw isUniqueViolation(err) ? taken() : err;
    }
  }

  async update(id: string, body: UpdateUserBody, actingUserId: string): Promise<User> {
    const user = await this.get(id);
    if (id === actingUserId && (body.disabled === true || body.role === 'user')) {
      throw apiError(409, 'admin_self_change', 'an admin cannot disable or demote their own account');
    }
    const roleChanged = body.role !== undefined && body.role !== user.role;
    if (body.role !== undefined) user.role = body.role;
    if (body.disabled !== undefined) user.disabled = body.disabled;
    if (body.max_running_tasks !== undefined) user.max_running_tasks = body.max_running_tasks;
    if (body.max_queued_tasks !== undefined) user.max_queued_tasks = body.max_queued_tasks;
    await this.users.save(user);
    if (body.disabled) await this.sessions.revokeAllOf(id);
    else if (roleChanged) this.sessions.userChanged(id);
    return user;
  }

  /**
   * A user's own password change: false (nothing changed) when `current` is not their password.
   * Every other session of the account ends; the one that asked stays signed in.
   */
  async changeOwnPassword(me: { id: string; sessionId: string }, current: string, next: string): Promise<boolean> {
    const user = await this.get(me.id);
    if (!(await verifyPassword(user.password_hash, current))) return false;
    user.password_hash = await hashPassword(next);
    await this.users.save(user);
    await this.sessions.revokeOthersOf(me.id, me.sessionId);
    return true;
  }

  async resetPassword(id: string, password: string): Promise<void> {
    const user = await this.get(id);
    user.password_hash = await hashPassword(password);
    await this.users.save(user);
    await this.sessions.revokeAllOf(id);
  }
}
