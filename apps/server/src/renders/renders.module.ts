import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { PlanningModule } from '../planning/planning.module';
import { WorkersModule } from '../workers/workers.module';
import { WorkerFilesController } from '../scene-queue/worker-files.controller';
import { RenderEvents } from './render-events';
import { RenderQueue } from './render-queue';
import { MusicModule } from '../music/music.module';
import { RenderRecords, TypeOrmRenderRecords } from './render-records';
import { TakeRepository, TypeOrmTakeRepository } from './take.repository';
import { TaskEvents } from './task-events';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [ModelsModule, PlanningModule, MusicModule, WorkersModule],
  controllers: [TasksController, WorkerFilesController],
  providers: [{ provide: TakeRepository, useClass: TypeOrmTakeRepository }, { provide: RenderRecords, useClass: TypeOrmRenderRecords }, TasksService, RenderQueue, RenderEvents, TaskEvents],
  exports: [RenderEvents, TaskEvents, TasksService, RenderQueue, TakeRepository],
})
export class RendersModule {}
