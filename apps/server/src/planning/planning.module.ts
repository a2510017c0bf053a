import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { PlanningService } from './planning.service';
import { StoryboardExamples } from './storyboard-examples';

/** The storyboard planner (LLM in its own process, or rule-based), shared by projects and tasks. */
@Module({
  imports: [ModelsModule],
  providers: [PlanningService, StoryboardExamples],
  exports: [PlanningService, StoryboardExamples],
})
export class PlanningModule {}
