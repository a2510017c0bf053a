import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { RendersModule } from '../renders/renders.module';
import { EventsGateway } from './events.gateway';

@Module({
  imports: [ProjectsModule, RendersModule],
  providers: [EventsGateway],
  exports: [EventsGateway],
})
export class EventsModule {}
