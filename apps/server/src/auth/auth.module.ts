import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/user.entity';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisConnections } from '../redis/redis-connections';
import { AuthGuard } from './auth.guard';
import { LoginThrottle, MemoryLoginThrottle } from './login-throttle';
import { RedisLoginThrottle } from './login-throttle-redis';
import { OriginPolicy } from './same-origin';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Session, User])],
  providers: [
    SessionsService,
    OriginPolicy,
    {
      // Decided once at start: shared counts in Redis for several instances, else this process's memory.
      provide: LoginThrottle,
      inject: [APP_CONFIG, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections): LoginThrottle =>
        redis.enabled ? new RedisLoginThrottle(config, redis) : new MemoryLoginThrottle(config),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [SessionsService, LoginThrottle, OriginPolicy],
})
export class AuthModule {}
