import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/user.entity';
import { AuthGuard } from './auth.guard';
import { LoginThrottle } from './login-throttle';
import { OriginPolicy } from './same-origin';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Session, User])],
  providers: [SessionsService, LoginThrottle, OriginPolicy, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [SessionsService, LoginThrottle, OriginPolicy],
})
export class AuthModule {}
