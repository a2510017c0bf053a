import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TASK_STATUSES, type Page, type SystemStatusView, type TaskView } from '@reelcraft/shared';
import { z } from 'zod';
import { RequireRole } from '../auth/auth.decorators';
import { ApiZodQuery, zodPipe } from '../common/zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ModelsService } from '../models/models.service';
import { TasksService } from '../renders/tasks.service';
import { SystemStatus } from './system-status';

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
