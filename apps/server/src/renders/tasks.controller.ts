import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, Param, ParseIntPipe, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BatchCreateTasksBodySchema,
  CreateTaskBodySchema,
  PageQuerySchema,
  type BatchCreateTasksBody,
  type BatchCreateTasksResponse,
  type CreateTaskBody,
  type CreateTaskResponse,
  type Page,
  type PageQuery,
  type TaskView,
} from '@reelcraft/shared';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { TasksService } from './tasks.service';
import { apiError } from '../common/api-error';

// An id that is not a UUID names no task: 404, like any unknown id.
const taskId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'task_not_found', 'no such task') });
const sceneNumber = new ParseIntPipe({ exceptionFactory: () => apiError(404, 'scene_not_found', 'no such scene') });

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @ApiZodBody(CreateTaskBodySchema)
  async create(@Body(zodPipe(CreateTaskBodySchema)) body: CreateTaskBody, @CurrentUser() me: AuthenticatedUser): Promise<CreateTaskResponse> {
    const [task_id] = await this.tasks.create(me, [body.prompt], body);
    return { task_id };
  }

  @Post('batch')
  @ApiZodBody(BatchCreateTasksBodySchema)
  async batch(
    @Body(zodPipe(BatchCreateTasksBodySchema)) body: BatchCreateTasksBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<BatchCreateTasksResponse> {
    return { task_ids: await this.tasks.create(me, body.prompts, body) };
  }

  @Get()
  @ApiZodQuery(PageQuerySchema)
  list(@Query(zodPipe(PageQuerySchema)) q: PageQuery, @CurrentUser() me: AuthenticatedUser): Promise<Page<TaskView>> {
    return this.tasks.list(me, q);
  }

  @Get(':id')
  async get(@Param('id', taskId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<TaskView> {
    return this.tasks.view(await this.tasks.findVisible(me, id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', taskId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<TaskView> {
    return this.tasks.view(await this.tasks.cancel(me, id));
  }

  /** A failed or cancelled task goes back to the queue; the scenes it had drawn are reused, not redone. */
  @Post(':id/retry')
  @HttpCode(200)
  async retry(@Param('id', taskId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<TaskView> {
    return this.tasks.view(await this.tasks.retry(me, id));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', taskId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.tasks.remove(me, id);
  }

  /** The final MP4; express's sendFile answers Range requests (206) so the player can seek. */
  @Get(':id/video')
  async video(
    @Param('id', taskId) id: string,
    @Query('download') download: string | undefined,
    @CurrentUser() me: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    const path = await this.tasks.filePath(me, id);
    if (download === '1') res.attachment(`reelcraft-${id}.mp4`);
    await sendVideo(res, path);
  }

  /** The subtitles as a file, cue times equal to the video's (transitions included): `srt` or `vtt`. */
  @Get(':id/subtitles.:format')
  async subtitles(
    @Param('id', taskId) id: string,
    @Param('format') format: string,
    @CurrentUser() me: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    if (format !== 'srt' && format !== 'vtt') throw new HttpException('subtitles come as .srt or .vtt', HttpStatus.NOT_FOUND);
    const path = await this.tasks.sidecarPath(me, id, format);
    res.type(format === 'srt' ? 'application/x-subrip; charset=utf-8' : 'text/vtt; charset=utf-8');
    if (format === 'srt') res.attachment(`reelcraft-${id}.srt`);
    await sendFile(res, path, 'the subtitles are missing');
  }

  /** A still of the finished video, for lists and the player. */
  @Get(':id/poster.jpg')
  async poster(@Param('id', taskId) id: string, @CurrentUser() me: AuthenticatedUser, @Res() res: Response): Promise<void> {
    const path = await this.tasks.sidecarPath(me, id, 'jpg');
    res.type('image/jpeg');
    await sendFile(res, path, 'the poster is missing');
  }

  /** A still of the take a scene used, for the scene strip; the same access as the video. */
  @Get(':id/scenes/:scene/poster.jpg')
  async scenePoster(
    @Param('id', taskId) id: string,
    @Param('scene', sceneNumber) scene: number,
    @CurrentUser() me: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    const path = await this.tasks.scenePosterPath(me, id, scene);
    res.type('image/jpeg');
    await sendFile(res, path, 'the still is missing');
  }

  @Get(':id/clips/:scene')
  async clip(
    @Param('id', taskId) id: string,
    @Param('scene', sceneNumber) scene: number,
    @CurrentUser() me: AuthenticatedUser,
    @Res() res: Response,
  ): Promise<void> {
    await sendVideo(res, await this.tasks.filePath(me, id, scene));
  }
}

function sendFile(res: Response, path: string, missing: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(path, { headers: { 'Cache-Control': 'private, max-age=0' } }, (err) => {
      if (!err || res.headersSent) return resolve();
      reject(new HttpException(missing, HttpStatus.NOT_FOUND));
    });
  });
}

function sendVideo(res: Response, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(path, { headers: { 'Content-Type': 'video/mp4', 'Cache-Control': 'private, max-age=0' } }, (err) => {
      if (!err || res.headersSent) return resolve();
      if ((err as { status?: number }).status === HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE) {
        // `send` has set Content-Range: bytes */<size>, which tells the player what it may ask for.
        return reject(new HttpException('the requested range lies outside the video', HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE));
      }
      reject(apiError(404, 'video_missing', 'video file is missing'));
    });
  });
}
