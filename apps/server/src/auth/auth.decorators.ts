import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from '@reelcraft/shared';
import type { AuthenticatedUser } from './authenticated-user';

export const IS_PUBLIC = 'reelcraft:public';
export const REQUIRED_ROLE = 'reelcraft:role';

/** The route answers without a session (login, health). Every other route requires one. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedUser => ctx.switchToHttp().getRequest().user,
);
