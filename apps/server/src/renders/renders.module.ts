import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { PlanningModule } from '../planning/planning.module';
import { RenderEvents } from './render-events';
import { RenderQueue } from './render-queue';
import { TaskEvents } from './task-events';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [ModelsModule, PlanningModule],
  controllers: [TasksController],
  providers: [TasksService, RenderQueue, RenderEvents, TaskEvents],
  exports: [RenderEvents, TaskEvents, TasksService, RenderQueue],
})
export class RendersModule {}
