import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { uploadOptions } from '../common/uploads';
import { APP_CONFIG } from '../config/config';
import { SceneMediaController } from './scene-media.controller';
import { SceneMediaService } from './scene-media.service';
import { PlanningModule } from '../planning/planning.module';
import { PlanningService } from '../planning/planning.service';
import { RendersModule } from '../renders/renders.module';
import { CollabDocumentsModule } from '../collab/collab-documents.module';
import { DocStoryboardStore } from '../collab/doc-storyboard-store';
import { ProjectsController } from './projects.controller';
import { PROJECT_PLANNER, ProjectsService } from './projects.service';
import { SceneEditsService } from './scene-edits.service';
import { StoryboardStore } from './storyboard-store';
import { TaskProjects } from './task-projects';
import { TakesController } from './takes.controller';
import { TakesService } from './takes.service';

/**
 * Projects, membership and the storyboard store. The collab module replaces the StoryboardStore
 * provider below with its live one; it and the events gateway use ProjectsService.roleOf and
 * onMembershipChanged to admit, switch and drop connections.
 */
@Module({
  imports: [
    RendersModule,
    CollabDocumentsModule,
    PlanningModule,
    // Scene uploads land in DATA_DIR/uploads-tmp first and are checked before anything is kept.
    MulterModule.registerAsync({ inject: [APP_CONFIG], useFactory: uploadOptions }),
  ],
  controllers: [ProjectsController, TakesController, SceneMediaController],
  providers: [
    ProjectsService,
    SceneEditsService,
    TakesService,
    SceneMediaService,
    TaskProjects,
    // The live documents' update log (collab): editors and the planner write through one path.
    { provide: StoryboardStore, useExisting: DocStoryboardStore },
    // The LLM in its planner process when models/llm holds a usable GGUF, else the rule-based planner.
    { provide: PROJECT_PLANNER, useExisting: PlanningService },
  ],
  exports: [ProjectsService, StoryboardStore],
})
export class ProjectsModule {}
