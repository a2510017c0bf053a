import { CanActivate, ExecutionContext, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { WorkerTokensService, type WorkerTokenIdentity } from './worker-tokens.service';

/** A request that WorkerTokenGuard let through. */
export interface WorkerTokenRequest extends Request {
  workerToken: WorkerTokenIdentity;
}

/**
 * Lets a request through when it carries `Authorization: Bearer rcw_…` with a worker token that is
 * neither unknown nor revoked, and puts the token's id and name on `request.workerToken`. Routes
 * using it are also @Public(): a worker has no user session, and the global AuthGuard would
 * refuse it. A cookie is never read: a browser cannot be made to send a worker token by itself.
 */
@Injectable()
export class WorkerTokenGuard implements CanActivate {
  constructor(private readonly tokens: WorkerTokensService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & { workerToken?: WorkerTokenIdentity }>();
    const header = req.headers.authorization;
    const plaintext = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const token = plaintext ? await this.tokens.verify(plaintext) : null;
    if (!token) throw new UnauthorizedException('worker token missing, unknown or revoked');
    req.workerToken = token;
    return true;
  }
}

/** The worker token of a route behind WorkerTokenGuard. */
export const CurrentWorkerToken = createParamDecorator((_: unknown, ctx: ExecutionContext): WorkerTokenIdentity => ctx.switchToHttp().getRequest<WorkerTokenRequest>().workerToken);
