import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { PlanningService } from './planning.service';

/** The storyboard planner (LLM in its own process, or rule-based), shared by projects and tasks. */
@Module({
  imports: [ModelsModule],
  providers: [PlanningService],
  exports: [PlanningService],
})
export class PlanningModule {}
