import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ModelCapabilities, ModelsView } from '@reelcraft/shared';
import { RequireRole } from '../auth/auth.decorators';
import { ModelsService } from './models.service';

/** Console view of the installed models: what was found in MODELS_DIR and what is wrong with it. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @RequireRole('admin')
  @Get()
  async view(): Promise<ModelsView> {
    return this.models.adminView(await this.models.view());
  }

  /** After an operator copied files in: scan again instead of serving the cached view. */
  @RequireRole('admin')
  @Post('rescan')
  @HttpCode(200)
  async rescan(): Promise<ModelsView> {
    return this.models.adminView(await this.models.rescan());
  }
}

/**
 * Which kinds of model are usable, for every signed-in user: the studio disables what needs a
 * missing one (Rewrite… needs an LLM) and says why; `models:changed` on the socket after a rescan.
 */
@ApiTags('models')
@ApiBearerAuth()
@Controller('models')
export class ModelCapabilitiesController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  capabilities(): Promise<ModelCapabilities> {
    return this.models.capabilities();
  }
}
