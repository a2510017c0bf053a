import { Global, Module } from '@nestjs/common';
import { RedisConnections } from './redis-connections';

/** The scaled mode's Redis connections, for whichever module shares state between instances. */
@Global()
@Module({ providers: [RedisConnections], exports: [RedisConnections] })
export class RedisModule {}
