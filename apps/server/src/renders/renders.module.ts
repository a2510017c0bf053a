import { Module } from '@nestjs/common';
import { RenderEvents } from './render-events';
import { RenderQueue } from './render-queue';
import { TaskEvents } from './task-events';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController],
  providers: [TasksService, RenderQueue, RenderEvents, TaskEvents],
  exports: [RenderEvents, TaskEvents],
})
export class RendersModule {}
