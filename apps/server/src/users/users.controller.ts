import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangePasswordBodySchema,
  CreateUserBodySchema,
  LoginBodySchema,
  UserListQuerySchema,
  ResetPasswordBodySchema,
  UpdateUserBodySchema,
  type ChangePasswordBody,
  type CreateUserBody,
  type LoginBody,
  type LoginResponse,
  type Page,
  type UserListQuery,
  type ResetPasswordBody,
  type SessionView,
  type UpdateUserBody,
  type UserView,
} from '@reelcraft/shared';
import { CurrentUser, Public, RequireRole } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { LoginThrottle } from '../auth/login-throttle';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { SessionsService } from '../auth/sessions.service';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { AuditLog } from '../moderation/audit-log';
import { UsersService, toUserView } from './users.service';
import { apiError } from '../common/api-error';

const actorOf = (me: AuthenticatedUser) => ({ id: me.id, username: me.username });

const uuid = new ParseUUIDPipe({ version: '4', exceptionFactory: () => apiError(404, 'user_not_found', 'no such user') });
const sessionId = new ParseUUIDPipe({ version: '4', exceptionFactory: () => apiError(404, 'session_not_found', 'no such session') });

/** Where a request came from, as the login limits count it (behind TRUST_PROXY: the client). */
const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiZodBody(LoginBodySchema)
  async login(
    @Body(zodPipe(LoginBodySchema)) body: LoginBody,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponse> {
    const address = addressOf(req);
    const { retryAfterSeconds, delayMs } = await this.throttle.verdict(body.username, address);
    if (retryAfterSeconds > 0) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
      throw apiError(429, 'login_throttled', `too many failed sign-ins from this address; try again in ${retryAfterSeconds} s`, { seconds: retryAfterSeconds });
    }
    if (delayMs > 0) await sleep(delayMs);
    const user = await this.users.authenticate(body.username, body.password);
    if (!user) {
      await this.throttle.recordFailure(body.username, address);
      throw apiError(401, 'login_failed', 'wrong username or password, or the account is disabled');
    }
    await this.throttle.recordSuccess(body.username, address);
    const { token, expiresAt } = await this.sessions.issue(user.id, { userAgent: req.get('user-agent'), address });
    setSessionCookie(res, token, expiresAt, req.secure);
    return { token, expires_at: expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() me: AuthenticatedUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.revoke(me.sessionId);
    clearSessionCookie(res, req.secure);
  }

  @Get('me')
  async me(@CurrentUser() me: AuthenticatedUser): Promise<UserView> {
    return toUserView(await this.users.get(me.id));
  }

  /**
   * Any user's own password. A wrong current password counts as a failed sign-in of this account
   * from this address (the same limits), so a stolen session cannot be used to guess it.
   */
  @Post('me/password')
  @HttpCode(204)
  @ApiZodBody(ChangePasswordBodySchema)
  async changeOwnPassword(@Body(zodPipe(ChangePasswordBodySchema)) body: ChangePasswordBody, @CurrentUser() me: AuthenticatedUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const address = addressOf(req);
    const { retryAfterSeconds, delayMs } = await this.throttle.verdict(me.username, address);
    if (retryAfterSeconds > 0) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
      throw apiError(429, 'password_throttled', `too many wrong passwords from this address; try again in ${retryAfterSeconds} s`, { seconds: retryAfterSeconds });
    }
    if (delayMs > 0) await sleep(delayMs);
    if (!(await this.users.changeOwnPassword(me, body.current_password, body.new_password))) {
      await this.throttle.recordFailure(me.username, address);
      throw apiError(403, 'password_wrong', 'the current password is wrong');
    }
    await this.throttle.recordSuccess(me.username, address);
  }

  /** The signed-in user's live sessions (browsers and clients signed in), this one marked. */
  @Get('me/sessions')
  mySessions(@CurrentUser() me: AuthenticatedUser): Promise<SessionView[]> {
    return this.sessions.listOf(me.id, me.sessionId);
  }

  /** Signs one of the user's own sessions out (its sockets close at once); another user's is not found. */
  @Delete('me/sessions/:sid')
  @HttpCode(204)
  async endMySession(@Param('sid', sessionId) sid: string, @CurrentUser() me: AuthenticatedUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (!(await this.sessions.revokeOwn(me.id, sid))) throw apiError(404, 'session_not_found', 'no such session');
    if (sid === me.sessionId) clearSessionCookie(res, req.secure);
  }

  /** `q`: part of the username. */
  @RequireRole('admin')
  @Get()
  @ApiZodQuery(UserListQuerySchema)
  list(@Query(zodPipe(UserListQuerySchema)) q: UserListQuery): Promise<Page<UserView>> {
    return this.users.list(q);
  }

  @RequireRole('admin')
  @Post()
  @ApiZodBody(CreateUserBodySchema)
  async create(@Body(zodPipe(CreateUserBodySchema)) body: CreateUserBody, @CurrentUser() me: AuthenticatedUser): Promise<UserView> {
    const user = await this.users.create(body);
    await this.audit.record({ kind: 'admin_action', action: 'user.create', actor: actorOf(me), target: user.id, detail: { username: user.username, role: user.role } });
    return toUserView(user);
  }

  @RequireRole('admin')
  @Patch(':id')
  @ApiZodBody(UpdateUserBodySchema)
  async update(
    @Param('id', uuid) id: string,
    @Body(zodPipe(UpdateUserBodySchema)) body: UpdateUserBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<UserView> {
    const user = await this.users.update(id, body, me.id);
    await this.audit.record({ kind: 'admin_action', action: body.role !== undefined ? 'user.role' : body.disabled !== undefined ? (body.disabled ? 'user.disable' : 'user.enable') : 'user.limits', actor: actorOf(me), target: id, detail: { username: user.username, ...body } });
    return toUserView(user);
  }

  @RequireRole('admin')
  @Post(':id/password')
  @HttpCode(204)
  @ApiZodBody(ResetPasswordBodySchema)
  async resetPassword(@Param('id', uuid) id: string, @Body(zodPipe(ResetPasswordBodySchema)) body: ResetPasswordBody, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.users.resetPassword(id, body.password);
    await this.audit.record({ kind: 'admin_action', action: 'user.password', actor: actorOf(me), target: id });
  }
}
