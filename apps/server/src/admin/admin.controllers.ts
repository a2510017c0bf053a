import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TASK_STATUSES, TaskPriorityBodySchema, type Page, type QueueView, type SystemStatusView, type TaskPriorityBody, type TaskView } from '@reelcraft/shared';
import { z } from 'zod';
import { CurrentUser, RequireRole } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { AuditLog } from '../moderation/audit-log';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { RenderQueue } from '../renders/render-queue';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ModelsService } from '../models/models.service';
import { TasksService } from '../renders/tasks.service';
import { SystemStatus } from './system-status';
import { apiError } from '../common/api-error';

const taskId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'task_not_found', 'no such task') });

const AdminTasksQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(TASK_STATUSES).optional(),
});
type AdminTasksQuery = z.infer<typeof AdminTasksQuerySchema>;

/** Every user's tasks, newest first, for the console's queue view (cancel goes through /api/tasks/{id}/cancel). */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/tasks')
export class AdminTasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiZodQuery(AdminTasksQuerySchema)
  list(@Query(zodPipe(AdminTasksQuerySchema)) q: AdminTasksQuery): Promise<Page<TaskView>> {
    return this.tasks.listAll(q);
  }

  /** Reorders the queue: a higher priority starts first, whoever queued it. */
  @Patch(':id')
  @ApiZodBody(TaskPriorityBodySchema)
  async priority(@Param('id', taskId) id: string, @Body(zodPipe(TaskPriorityBodySchema)) body: TaskPriorityBody, @CurrentUser() me: AuthenticatedUser): Promise<TaskView> {
    return this.tasks.view(await this.tasks.setPriority(me, id, body.priority));
  }
}

/** The render queue: paused or not, what runs, and what waits in the order it will start. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/queue')
export class AdminQueueController {
  constructor(
    private readonly tasks: TasksService,
    private readonly queue: RenderQueue,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  view(): Promise<QueueView> {
    return this.tasks.queueView();
  }

  /** Running tasks finish; no new one starts until resumed (kept across restarts). */
  @Post('pause')
  @HttpCode(200)
  async pause(@CurrentUser() me: AuthenticatedUser): Promise<QueueView> {
    await this.queue.setPaused(true);
    await this.audit.record({ kind: 'admin_action', action: 'queue.pause', actor: { id: me.id, username: me.username } });
    return this.tasks.queueView();
  }

  @Post('resume')
  @HttpCode(200)
  async resume(@CurrentUser() me: AuthenticatedUser): Promise<QueueView> {
    await this.queue.setPaused(false);
    await this.audit.record({ kind: 'admin_action', action: 'queue.resume', actor: { id: me.id, username: me.username } });
    return this.tasks.queueView();
  }
}

/** The console's system page: database, disk under DATA_DIR, queue, models, version, uptime. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/status')
export class StatusController {
  constructor(
    private readonly status: SystemStatus,
    private readonly models: ModelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  get(): Promise<SystemStatusView> {
    return this.status.now(this.config, this.models);
  }
}
