import { Module } from '@nestjs/common';
import { CollabDocumentsModule } from '../collab/collab-documents.module';
import { ProjectsModule } from '../projects/projects.module';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

/** Named versions of storyboards; reads and writes the live documents through the collab module's CollabDocuments. */
@Module({
  imports: [CollabDocumentsModule, ProjectsModule],
  controllers: [VersionsController],
  providers: [VersionsService],
  exports: [VersionsService],
})
export class VersionsModule {}
