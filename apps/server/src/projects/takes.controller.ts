import { Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ProjectDiskView, TakeView } from '@reelcraft/shared';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators';
import { sceneIdParam, uuidParam } from '../common/route-params';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { TakesService } from './takes.service';

const uuid = uuidParam();
const sceneId = sceneIdParam;

/** A scene's takes: list them (members), pick the one the edit uses or delete one (editors, owners). */
@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects/:id')
export class TakesController {
  constructor(private readonly takes: TakesService) {}

  @Get('scenes/:sceneId/takes')
  list(@Param('id', uuid) id: string, @Param('sceneId', sceneId) scene: string, @CurrentUser() me: AuthenticatedUser): Promise<TakeView[]> {
    return this.takes.list(me, id, scene);
  }

  @Post('scenes/:sceneId/takes/:takeId/select')
  @HttpCode(200)
  select(@Param('id', uuid) id: string, @Param('sceneId', sceneId) scene: string, @Param('takeId', uuid) take: string, @CurrentUser() me: AuthenticatedUser): Promise<TakeView[]> {
    return this.takes.select(me, id, scene, take);
  }

  @Delete('scenes/:sceneId/takes/:takeId')
  @HttpCode(204)
  async remove(@Param('id', uuid) id: string, @Param('sceneId', sceneId) scene: string, @Param('takeId', uuid) take: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.takes.remove(me, id, scene, take);
  }

  @Get('takes/:takeId/clip')
  async clip(@Param('id', uuid) id: string, @Param('takeId', uuid) take: string, @CurrentUser() me: AuthenticatedUser, @Res() res: Response): Promise<void> {
    res.sendFile(await this.takes.file(me, id, take, 'clip'), { headers: { 'Content-Type': 'video/mp4', 'Cache-Control': 'private, max-age=0' } });
  }

  @Get('takes/:takeId/poster')
  async poster(@Param('id', uuid) id: string, @Param('takeId', uuid) take: string, @CurrentUser() me: AuthenticatedUser, @Res() res: Response): Promise<void> {
    res.sendFile(await this.takes.file(me, id, take, 'poster'), { headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=0' } });
  }

  /** What the project's takes and finished videos keep on disk. */
  @Get('disk')
  disk(@Param('id', uuid) id: string, @CurrentUser() me: AuthenticatedUser): Promise<ProjectDiskView> {
    return this.takes.disk(me, id);
  }
}
