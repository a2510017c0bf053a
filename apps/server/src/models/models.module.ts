import { Module } from '@nestjs/common';
import { ModelCapabilitiesController, ModelsController } from './models.controller';
import { ModelsService } from './models.service';

@Module({
  controllers: [ModelsController, ModelCapabilitiesController],
  providers: [ModelsService],
  exports: [ModelsService],
})
export class ModelsModule {}
