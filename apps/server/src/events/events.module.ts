import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { ProjectsModule } from '../projects/projects.module';
import { RendersModule } from '../renders/renders.module';
import { VersionsModule } from '../versions/versions.module';
import { EventsGateway } from './events.gateway';

@Module({
  imports: [ProjectsModule, RendersModule, VersionsModule, ModelsModule],
  providers: [EventsGateway],
  exports: [EventsGateway],
})
export class EventsModule {}
