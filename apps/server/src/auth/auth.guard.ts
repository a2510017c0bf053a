import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '@reelcraft/shared';
import { IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import { OriginPolicy } from './same-origin';
import { readCredential } from './session-cookie';
import { SessionsService } from './sessions.service';
import { apiError } from '../common/api-error';

/** Methods that only read: a cross-site page can make the browser send them, but cannot read the answer. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Installed globally: a route is closed unless marked @Public(); @RequireRole('admin') narrows it further. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    private readonly origins: OriginPolicy,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: unknown }>();
    const credential = readCredential(req.headers);
    const user = credential ? await this.sessions.resolve(credential.token) : null;
    if (!user) throw new UnauthorizedException('sign in first: the session is missing, expired or revoked');
    if (credential!.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      const refusal = this.origins.refusal(req.headers);
      if (refusal) throw new ForbiddenException(refusal);
    }
    req.user = user;
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    if (role && user.role !== role) throw role === 'admin' ? apiError(403, 'admin_only', `this needs the ${role} role`) : new ForbiddenException(`this needs the ${role} role`);
    return true;
  }
}
