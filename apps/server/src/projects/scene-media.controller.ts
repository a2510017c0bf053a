import { Controller, Delete, Get, HttpCode, Param, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { SceneMediaView } from '@reelcraft/shared';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators';
import { sceneIdParam, uuidParam } from '../common/route-params';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { SceneMediaService, type UploadedFile as Upload } from './scene-media.service';

const uuid = uuidParam();
const sceneId = sceneIdParam;

/** A scene's own picture or clip instead of a generated one. */
@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects/:id')
export class SceneMediaController {
  constructor(private readonly media: SceneMediaService) {}

  /**
   * Multipart field `file`: a JPEG, PNG or WebP image (the scene's camera move pans or zooms over
   * it) or an MP4, MOV or WebM clip (looped or trimmed to the scene). Checked by content; 415 for
   * another kind of file, 400 for a damaged one, 413 past UPLOAD_MAX_MB; nothing is kept then.
   */
  @Post('scenes/:sceneId/media')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } })
  // Multer writes to DATA_DIR/uploads-tmp (projects.module.ts); the service checks, keeps or removes the file.
  @UseInterceptors(FileInterceptor('file'))
  attach(
    @Param('id', uuid) id: string,
    @Param('sceneId', sceneId) scene: string,
    @UploadedFile() file: Upload | undefined,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<SceneMediaView> {
    return this.media.attach(me, id, scene, file);
  }

  @Delete('scenes/:sceneId/media')
  @HttpCode(204)
  async detach(@Param('id', uuid) id: string, @Param('sceneId', sceneId) scene: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.media.detach(me, id, scene);
  }

  @Get('media/:mediaId')
  async file(@Param('id', uuid) id: string, @Param('mediaId', uuid) mediaId: string, @CurrentUser() me: AuthenticatedUser, @Res() res: Response): Promise<void> {
    const { view, path } = await this.media.get(me, id, mediaId);
    res.sendFile(path, { headers: { 'Content-Type': view.kind === 'image' ? `image/${view.format}` : view.format === 'webm' ? 'video/webm' : 'video/mp4', 'Cache-Control': 'private, max-age=0' } });
  }
}
