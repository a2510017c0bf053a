import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { RendersModule } from '../renders/renders.module';
import { AdminQueueController, AdminTasksController, StatusController } from './admin.controllers';
import { SystemStatus } from './system-status';

/** Console-only views that span modules: every user's tasks and the system's state. */
@Module({
  imports: [RendersModule, ModelsModule],
  controllers: [AdminTasksController, AdminQueueController, StatusController],
  providers: [SystemStatus],
})
export class AdminModule {}
