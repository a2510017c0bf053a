import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, type PipeTransform } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  ID_PATTERN,
  RewriteSceneBodySchema,
  type RewriteSceneBody,
  type SceneEditResult,
  AddMemberBodySchema,
  MemberSuggestionsQuerySchema,
  type MemberSuggestionsQuery,
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
} from '@reelcraft/shared';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { ProjectsService } from './projects.service';
import { SceneEditsService } from './scene-edits.service';
import { ClientGone } from '../common/client-gone';
import { apiError } from '../common/api-error';

// An id that is not a UUID names nothing: 404, like any unknown id.
const projectId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'project_not_found', 'no such project') });
const userId = new ParseUUIDPipe({ exceptionFactory: () => apiError(404, 'member_not_found', 'no such member') });
/** Scene ids are the storyboard's own (ID_PATTERN); anything else names no scene. */
const sceneId: PipeTransform<string, string> = {
  transform: (value) => {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw apiError(404, 'scene_not_found', 'no such scene');
    return value;
  },
};

/** The answers every scene edit shares, for the OpenAPI document. */
const SceneEditResponses = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const r of [
    { status: 200, description: 'The edit was applied to the live storyboard: `{edit, scenes, removed_scene_id, planner: {planner, model, fallback_reason}}`.' },
    { status: 403, description: 'A viewer cannot edit the storyboard.' },
    { status: 404, description: 'No such project (or not a member), or no such scene (deleted meanwhile).' },
    { status: 409, description: 'The scene (or the next one) is locked, was moved meanwhile, or the edit does not apply (see the message).' },
  ]) {
    ApiResponse(r)(target, key, descriptor);
  }
};

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly sceneEdits: SceneEditsService,
  ) {}

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

  /**
   * Editors and owners: the LLM rewrites the scene as `instruction` asks, in the live storyboard
   * (the scene keeps its id, comments, characters, seed). Needs a language model: without a usable
   * GGUF in models/llm it answers 409; when the model fails, 503.
   */
  @Post(':id/scenes/:sceneId/rewrite')
  @HttpCode(200)
  @ApiZodBody(RewriteSceneBodySchema)
  @SceneEditResponses()
  @ApiResponse({ status: 503, description: 'The language model failed to rewrite the scene.' })
  rewriteScene(
    @Param('id', projectId) id: string,
    @Param('sceneId', sceneId) scene: string,
    @Body(zodPipe(RewriteSceneBodySchema)) body: RewriteSceneBody,
    @CurrentUser() me: AuthenticatedUser,
    @ClientGone() gone: AbortSignal,
  ): Promise<SceneEditResult> {
    return this.sceneEdits.rewrite(me, id, scene, body.instruction, gone);
  }

  /**
   * Editors and owners: splits the scene into two consecutive scenes in the live storyboard, written
   * by the LLM, or by rule without a usable model (description and subtitle split at a clause
   * boundary, the duration divided); `planner` says which.
   */
  @Post(':id/scenes/:sceneId/split')
  @HttpCode(200)
  @SceneEditResponses()
  splitScene(
    @Param('id', projectId) id: string,
    @Param('sceneId', sceneId) scene: string,
    @CurrentUser() me: AuthenticatedUser,
    @ClientGone() gone: AbortSignal,
  ): Promise<SceneEditResult> {
    return this.sceneEdits.split(me, id, scene, gone);
  }

  /**
   * Editors and owners: merges the scene with the one after it in the live storyboard (the first
   * keeps its id and takes the second's comments and characters), written by the LLM, or by rule
   * without a usable model (texts joined, durations summed up to the limit); `planner` says which.
   */
  @Post(':id/scenes/:sceneId/merge-next')
  @HttpCode(200)
  @SceneEditResponses()
  mergeNextScene(
    @Param('id', projectId) id: string,
    @Param('sceneId', sceneId) scene: string,
    @CurrentUser() me: AuthenticatedUser,
    @ClientGone() gone: AbortSignal,
  ): Promise<SceneEditResult> {
    return this.sceneEdits.mergeNext(me, id, scene, gone);
  }

  /** Usernames to add as the owner types (share dialog): owners only, at most ten. */
  @Get(':id/member-suggestions')
  @ApiZodQuery(MemberSuggestionsQuerySchema)
  memberSuggestions(@Param('id', projectId) id: string, @Query(zodPipe(MemberSuggestionsQuerySchema)) q: MemberSuggestionsQuery, @CurrentUser() me: AuthenticatedUser): Promise<string[]> {
    return this.projects.memberSuggestions(me, id, q.q);
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
