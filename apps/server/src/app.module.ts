import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/config';
import { CollabModule } from './collab/collab.module';
import { ConfigModule } from './config/config.module';
import { databaseOptions } from './database/database.options';
import { WalCheckpointer } from './database/wal-checkpointer';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { ModelsModule } from './models/models.module';
import { ModerationModule } from './moderation/moderation.module';
import { MusicModule } from './music/music.module';
import { ProjectRendersModule } from './projects/project-renders.module';
import { ProjectsModule } from './projects/projects.module';
import { RedisModule } from './redis/redis.module';
import { RendersModule } from './renders/renders.module';
import { UsersModule } from './users/users.module';
import { VersionsModule } from './versions/versions.module';
import { WorkersModule } from './workers/workers.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(databaseOptions(config)),
        RedisModule,
        AuthModule,
        ModerationModule,
        UsersModule,
        RendersModule,
        ProjectsModule,
        CollabModule,
        VersionsModule,
        ProjectRendersModule,
        EventsModule,
        ModelsModule,
        MusicModule,
        AdminModule,
        WorkersModule,
      ],
      controllers: [HealthController],
      // SQLite only (it does nothing on PostgreSQL): WAL checkpoints beside the event loop.
      providers: [WalCheckpointer],
    };
  }
}
