import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateVersionBodySchema,
  VersionDiffQuerySchema,
  type CreateVersionBody,
  type RestoreVersionResult,
  type Storyboard,
  type StoryboardDiff,
  type VersionDiffQuery,
  type VersionView,
} from '@reelcraft/shared';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { VersionsService } from './versions.service';
import { apiError } from '../common/api-error';

// An id that is not a UUID names nothing: 404, like any unknown id.
const projectId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'project_not_found', 'no such project') });
const versionId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'version_not_found', 'no such version') });

/** Named versions of a project's storyboard: any member lists, reads and compares; owners and editors save, restore and delete. */
@ApiTags('versions')
@ApiBearerAuth()
@Controller('projects/:id/versions')
export class VersionsController {
  constructor(private readonly versions: VersionsService) {}

  /** Saves the live storyboard as it is now under `name`. */
  @Post()
  @ApiZodBody(CreateVersionBodySchema)
  create(
    @Param('id', projectId) id: string,
    @Body(zodPipe(CreateVersionBodySchema)) body: CreateVersionBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<VersionView> {
    return this.versions.create(me, id, body.name);
  }

  /** Newest first. */
  @Get()
  list(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<VersionView[]> {
    return this.versions.list(me, id);
  }

  /** The storyboard as it was saved. */
  @Get(':vid')
  get(@Param('id', projectId) id: string, @Param('vid', versionId) vid: string, @CurrentUser() me: AuthenticatedUser): Promise<Storyboard> {
    return this.versions.storyboard(me, id, vid);
  }

  /** Scene by scene, from this version to `against` (`current`, the default, or another version's id). */
  @Get(':vid/diff')
  @ApiZodQuery(VersionDiffQuerySchema)
  diff(
    @Param('id', projectId) id: string,
    @Param('vid', versionId) vid: string,
    @Query(zodPipe(VersionDiffQuerySchema)) q: VersionDiffQuery,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<StoryboardDiff> {
    return this.versions.diff(me, id, vid, q.against);
  }

  /** Writes the version into the live storyboard as a new edit every open editor receives; saves the previous state first. */
  @Post(':vid/restore')
  @HttpCode(200)
  restore(@Param('id', projectId) id: string, @Param('vid', versionId) vid: string, @CurrentUser() me: AuthenticatedUser): Promise<RestoreVersionResult> {
    return this.versions.restore(me, id, vid);
  }

  @Delete(':vid')
  @HttpCode(204)
  async remove(@Param('id', projectId) id: string, @Param('vid', versionId) vid: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.versions.remove(me, id, vid);
  }
}
