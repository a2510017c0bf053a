import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkerDirectory } from './worker-directory';
import { WorkerToken } from './worker-token.entity';
import { WorkerTokenGuard } from './worker-token.guard';
import { TypeOrmWorkerTokenRepository, WorkerTokenRepository } from './worker-token.repository';
import { WorkerTokensService } from './worker-tokens.service';
import { AdminWorkersController, WorkersController, WorkerTokensController } from './workers.controller';

/**
 * Render workers that run as processes of their own: the tokens admins issue them, the guard
 * their routes use, and the directory of their heartbeats the console lists.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WorkerToken])],
  controllers: [WorkersController, WorkerTokensController, AdminWorkersController],
  providers: [{ provide: WorkerTokenRepository, useClass: TypeOrmWorkerTokenRepository }, WorkerTokensService, WorkerTokenGuard, WorkerDirectory],
  exports: [WorkerTokensService, WorkerTokenGuard, WorkerDirectory],
})
export class WorkersModule {}
