import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module';
import { CollabDocuments } from './collab-documents';
import { CollabLimits } from './collab-limits';
import { DocStoryboardStore } from './doc-storyboard-store';
import { DocUpdatesRepository } from './doc-updates.repository';

/**
 * The documents and their storage, without the WebSocket endpoint: the projects module imports
 * this for its StoryboardStore, and CollabModule (which needs projects for membership) builds on
 * it, so neither module imports the other.
 */
@Module({
  imports: [RedisModule],
  providers: [CollabLimits, DocUpdatesRepository, CollabDocuments, DocStoryboardStore],
  exports: [CollabLimits, DocUpdatesRepository, CollabDocuments, DocStoryboardStore],
})
export class CollabDocumentsModule {}
