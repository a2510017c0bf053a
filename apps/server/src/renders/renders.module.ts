import { Module } from '@nestjs/common';
import { RenderQueue } from './render-queue';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController],
  providers: [TasksService, RenderQueue],
})
export class RendersModule {}
