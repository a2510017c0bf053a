import { Module } from '@nestjs/common';
import { RuleBasedPlanner } from '@reelcraft/inference';
import { RendersModule } from '../renders/renders.module';
import { CollabDocumentsModule } from '../collab/collab-documents.module';
import { DocStoryboardStore } from '../collab/doc-storyboard-store';
import { ProjectsController } from './projects.controller';
import { PROJECT_PLANNER, ProjectsService } from './projects.service';
import { StoryboardStore } from './storyboard-store';
import { TaskProjects } from './task-projects';

/**
 * Projects, membership and the storyboard store. The collab module replaces the StoryboardStore
 * provider below with its live one; it and the events gateway use ProjectsService.roleOf and
 * onMemberRemoved to admit and drop connections.
 */
@Module({
  imports: [RendersModule, CollabDocumentsModule],
  controllers: [ProjectsController],
  providers: [
    ProjectsService,
    TaskProjects,
    // The live documents' update log (collab): editors and the planner write through one path.
    { provide: StoryboardStore, useExisting: DocStoryboardStore },
    // The rule-based planner answers at once and needs no model; the LLM planner can replace it here.
    { provide: PROJECT_PLANNER, useFactory: () => new RuleBasedPlanner() },
  ],
  exports: [ProjectsService, StoryboardStore],
})
export class ProjectsModule {}
