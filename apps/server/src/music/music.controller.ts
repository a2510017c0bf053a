import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { MusicTrackFieldsSchema, type MusicTrackFields, type MusicTrackView } from '@reelcraft/shared';
import type { Response } from 'express';
import { rm } from 'node:fs/promises';
import { CurrentUser, RequireRole } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { zodPipe } from '../common/zod';
import type { UploadedFile as Upload } from '../projects/scene-media.service';
import { MusicLibrary } from './music.service';
import { apiError } from '../common/api-error';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'track_not_found', 'no such track') });

/** The music library: everyone lists and listens; admins add (multipart: file, name, licence) and delete. */
@ApiTags('music')
@ApiBearerAuth()
@Controller()
export class MusicController {
  constructor(private readonly music: MusicLibrary) {}

  @Get('music')
  list(): Promise<MusicTrackView[]> {
    return this.music.list();
  }

  @Get('music/:id/file')
  async file(@Param('id', uuid) id: string, @Res() res: Response): Promise<void> {
    const path = await this.music.pathOf(id);
    if (!path) throw apiError(404, 'track_not_found', 'no such track');
    res.sendFile(path, { headers: { 'Cache-Control': 'private, max-age=0' } });
  }

  /** Checked by content (415 for what is not audio, 400 for a damaged file, 413 past UPLOAD_MAX_MB). */
  @RequireRole('admin')
  @Post('admin/music')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, name: { type: 'string' }, licence: { type: 'string' } }, required: ['file', 'name'] } })
  @UseInterceptors(FileInterceptor('file'))
  async add(@UploadedFile() file: Upload | undefined, @Body() body: unknown, @CurrentUser() me: AuthenticatedUser): Promise<MusicTrackView> {
    let fields: MusicTrackFields;
    try {
      fields = zodPipe(MusicTrackFieldsSchema).transform(body, { type: 'body' });
    } catch (err) {
      // A refused form keeps no file either.
      if (file) await rm(file.path, { force: true });
      throw err;
    }
    return this.music.add(me, fields, file);
  }

  @RequireRole('admin')
  @Delete('admin/music/:id')
  @HttpCode(204)
  async remove(@Param('id', uuid) id: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.music.remove(me, id);
  }
}
