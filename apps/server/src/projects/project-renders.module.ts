import { Module } from '@nestjs/common';
import { RendersModule } from '../renders/renders.module';
import { VersionsModule } from '../versions/versions.module';
import { ProjectRendersController } from './project-renders.controller';
import { ProjectRendersService } from './project-renders.service';
import { ProjectsModule } from './projects.module';

/** Rendering a project's storyboard and its render history: projects, versions and tasks together. */
@Module({
  imports: [ProjectsModule, VersionsModule, RendersModule],
  controllers: [ProjectRendersController],
  providers: [ProjectRendersService],
})
export class ProjectRendersModule {}
