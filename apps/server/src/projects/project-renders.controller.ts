import { Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PageQuerySchema, type CreateTaskResponse, type Page, type PageQuery, type RenderHistoryItem } from '@reelcraft/shared';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { uuidParam } from '../common/route-params';
import { ApiZodQuery, zodPipe } from '../common/zod';
import { ProjectRendersService } from './project-renders.service';

const projectId = uuidParam('no such project');

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects/:id')
export class ProjectRendersController {
  constructor(private readonly renders: ProjectRendersService) {}

  /**
   * Renders the storyboard as it is now; progress and previews arrive over Socket.IO in the
   * project's room. The render is tied to the newest saved version when nothing changed since,
   * else to a version saved for it now.
   */
  @Post('render')
  async render(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<CreateTaskResponse> {
    return { task_id: await this.renders.render(me, id) };
  }

  /** The project's renders, newest first, each with the storyboard version it came from. */
  @Get('renders')
  @ApiZodQuery(PageQuerySchema)
  history(@Param('id', projectId) id: string, @Query(zodPipe(PageQuerySchema)) q: PageQuery, @CurrentUser() me: AuthenticatedUser): Promise<Page<RenderHistoryItem>> {
    return this.renders.history(me, id, q);
  }
}
