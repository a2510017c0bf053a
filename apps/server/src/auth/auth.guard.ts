import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '@reelcraft/shared';
import { IS_PUBLIC, REQUIRED_ROLE } from './auth.decorators';
import { readToken } from './session-cookie';
import { SessionsService } from './sessions.service';

/** Installed globally: a route is closed unless marked @Public(); @RequireRole('admin') narrows it further. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly sessions: SessionsService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: unknown }>();
    const token = readToken(req);
    const user = token ? await this.sessions.resolve(token) : null;
    if (!user) throw new UnauthorizedException('sign in first: the session is missing, expired or revoked');
    req.user = user;
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    if (role && user.role !== role) throw new ForbiddenException(`this needs the ${role} role`);
    return true;
  }
}
