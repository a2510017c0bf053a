import { Module } from '@nestjs/common';
import { ProjectsModule } from '../projects/projects.module';
import { RedisModule } from '../redis/redis.module';
import { CollabAuth } from './collab-auth';
import { CollabDocumentsModule } from './collab-documents.module';
import { CollabServer } from './collab-server';

/** Live co-editing: the y-websocket endpoint at /collab/<projectId>. */
@Module({
  imports: [CollabDocumentsModule, ProjectsModule, RedisModule],
  providers: [CollabAuth, CollabServer],
  exports: [CollabServer],
})
export class CollabModule {}
