import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateWorkerTokenBodySchema,
  WorkerHeartbeatSchema,
  type CreateWorkerTokenBody,
  type IssuedWorkerToken,
  type WorkerHeartbeat,
  type WorkerHeartbeatResponse,
  type WorkerTokenView,
  type WorkerView,
} from '@reelcraft/shared';
import { CurrentUser, Public, RequireRole } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, zodPipe } from '../common/zod';
import { WorkerDirectory } from './worker-directory';
import { CurrentWorkerToken, WorkerTokenGuard } from './worker-token.guard';
import { WorkerTokensService, type WorkerTokenIdentity } from './worker-tokens.service';
import { apiError } from '../common/api-error';

const tokenId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'worker_token_not_found', 'no such worker token') });
const actor = (me: AuthenticatedUser) => ({ id: me.id, username: me.username });

/** What render worker processes call, with a worker token instead of a user session. */
@ApiTags('workers')
@ApiBearerAuth()
@Public()
@UseGuards(WorkerTokenGuard)
@Controller('workers')
export class WorkersController {
  constructor(private readonly directory: WorkerDirectory) {}

  /** A worker's periodic "still here": its device, models and current scene. The answer says when to send the next. */
  @Post('heartbeat')
  @HttpCode(200)
  @ApiZodBody(WorkerHeartbeatSchema)
  async heartbeat(@Body(zodPipe(WorkerHeartbeatSchema)) body: WorkerHeartbeat, @CurrentWorkerToken() token: WorkerTokenIdentity): Promise<WorkerHeartbeatResponse> {
    await this.directory.record({ ...body, token_name: token.name });
    return { heartbeat_ms: this.directory.heartbeatMs };
  }
}

/** The console's worker tokens: issue one (its plaintext is in that answer only), list, revoke. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/worker-tokens')
export class WorkerTokensController {
  constructor(private readonly tokens: WorkerTokensService) {}

  @Get()
  list(): Promise<WorkerTokenView[]> {
    return this.tokens.list();
  }

  /** 409 when a token not revoked has that name. */
  @Post()
  @ApiZodBody(CreateWorkerTokenBodySchema)
  issue(@Body(zodPipe(CreateWorkerTokenBodySchema)) body: CreateWorkerTokenBody, @CurrentUser() me: AuthenticatedUser): Promise<IssuedWorkerToken> {
    return this.tokens.issue(body.name, actor(me));
  }

  /** Its workers are refused from their next request on. Revoking a revoked token again is a 204 too. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', tokenId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.tokens.revoke(id, actor(me));
  }
}

/** The console's list of render workers: every one heard from within the last hour, alive or lost. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/workers')
export class AdminWorkersController {
  constructor(private readonly directory: WorkerDirectory) {}

  @Get()
  list(): Promise<WorkerView[]> {
    return this.directory.list();
  }
}
