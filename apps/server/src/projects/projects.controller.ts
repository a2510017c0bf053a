import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  AddMemberBodySchema,
  CreateProjectBodySchema,
  ProjectListQuerySchema,
  RenameProjectBodySchema,
  UpdateMemberBodySchema,
  type AddMemberBody,
  type CreateProjectBody,
  type Page,
  type ProjectListQuery,
  type ProjectMemberView,
  type ProjectSummary,
  type ProjectView,
  type RenameProjectBody,
  type Storyboard,
  type UpdateMemberBody,
  type CreateTaskResponse,
} from '@reelcraft/shared';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { TasksService } from '../renders/tasks.service';
import { ProjectsService } from './projects.service';

// An id that is not a UUID names nothing: 404, like any unknown id.
const projectId = new ParseUUIDPipe({ exceptionFactory: () => new HttpException('no such project', HttpStatus.NOT_FOUND) });
const userId = new ParseUUIDPipe({ exceptionFactory: () => new HttpException('no such member', HttpStatus.NOT_FOUND) });

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService, private readonly tasks: TasksService) {}

  /** An empty storyboard, or one the planner writes from `prompt`. */
  @Post()
  @ApiZodBody(CreateProjectBodySchema)
  create(@Body(zodPipe(CreateProjectBodySchema)) body: CreateProjectBody, @CurrentUser() me: AuthenticatedUser): Promise<ProjectView> {
    return this.projects.create(me, body);
  }

  /** Mine and shared with me, most recently changed first; admins may ask for `scope=all`. */
  @Get()
  @ApiZodQuery(ProjectListQuerySchema)
  list(@Query(zodPipe(ProjectListQuerySchema)) q: ProjectListQuery, @CurrentUser() me: AuthenticatedUser): Promise<Page<ProjectSummary>> {
    return this.projects.list(me, q);
  }

  @Get(':id')
  get(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<ProjectView> {
    return this.projects.view(me, id);
  }

  /** Owners and editors. */
  @Patch(':id')
  @ApiZodBody(RenameProjectBodySchema)
  rename(
    @Param('id', projectId) id: string,
    @Body(zodPipe(RenameProjectBodySchema)) body: RenameProjectBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<ProjectView> {
    return this.projects.rename(me, id, body.name);
  }

  /** Owners only. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.projects.remove(me, id);
  }

  /** The current storyboard, validated (a 409 with per-field issues if the document breaks the schema). */
  @Get(':id/storyboard')
  storyboard(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<Storyboard> {
    return this.projects.storyboard(me, id);
  }

  /** Renders the storyboard as it is now; progress and previews arrive over Socket.IO in the project's room. */
  @Post(':id/render')
  async render(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<CreateTaskResponse> {
    const plan = await this.projects.renderablePlan(me, id);
    return { task_id: await this.tasks.createRender(me, id, plan) };
  }

  @Get(':id/members')
  members(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<ProjectMemberView[]> {
    return this.projects.listMembers(me, id);
  }

  /** Owners only: share the project with a user by username. */
  @Post(':id/members')
  @ApiZodBody(AddMemberBodySchema)
  addMember(
    @Param('id', projectId) id: string,
    @Body(zodPipe(AddMemberBodySchema)) body: AddMemberBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<ProjectMemberView> {
    return this.projects.addMember(me, id, body);
  }

  /** Owners only; the last owner cannot be demoted. */
  @Patch(':id/members/:userId')
  @ApiZodBody(UpdateMemberBodySchema)
  changeRole(
    @Param('id', projectId) id: string,
    @Param('userId', userId) user: string,
    @Body(zodPipe(UpdateMemberBodySchema)) body: UpdateMemberBody,
    @CurrentUser() me: AuthenticatedUser,
  ): Promise<ProjectMemberView> {
    return this.projects.changeRole(me, id, user, body.role);
  }

  /** Owners only; the last owner cannot be removed. */
  @Delete(':id/members/:userId')
  @HttpCode(204)
  async removeMember(@Param('id', projectId) id: string, @Param('userId', userId) user: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.projects.removeMember(me, id, user);
  }

  /** Any member; the last owner cannot leave. */
  @Post(':id/leave')
  @HttpCode(204)
  async leave(@Param('id', projectId) id: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.projects.leave(me, id);
  }
}
