import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { databaseOptions } from './database/database.options';
import { HealthController } from './health/health.controller';
import { RendersModule } from './renders/renders.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(databaseOptions(config)),
        AuthModule,
        UsersModule,
        RendersModule,
      ],
      controllers: [HealthController],
    };
  }
}
