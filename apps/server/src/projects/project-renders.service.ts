import { Injectable } from '@nestjs/common';
import type { Page, PageQuery, RenderHistoryItem } from '@reelcraft/shared';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ContentScreening, blocked } from '../moderation/content-screening';
import { TasksService } from '../renders/tasks.service';
import { VersionsService } from '../versions/versions.service';
import { ProjectsService } from './projects.service';

/**
 * Renders of a project's storyboard, each tied to the storyboard version it was made from, and the
 * project's render history. Apart from ProjectsService because it needs the versions, which
 * themselves build on projects.
 */
@Injectable()
export class ProjectRendersService {
  constructor(
    private readonly projects: ProjectsService,
    private readonly versions: VersionsService,
    private readonly tasks: TasksService,
    private readonly screening: ContentScreening,
  ) {}

  /**
   * Renders the storyboard as it is now (owners and editors). The plan is checked and screened
   * before any version is saved for it: a storyboard that cannot render, or holds blocked text
   * (422, every scene and span listed; masked text is masked in the video), leaves no version behind.
   */
  async render(user: AuthenticatedUser, projectId: string): Promise<string> {
    await this.projects.open(user, projectId, 'edit');
    const actor = { id: user.id, username: user.username };
    const { value: plan, version } = await this.versions.snapshotForRender(user, projectId, async (storyboard) => {
      const screened = await this.screening.screenPlan(this.projects.planToRender(storyboard), 'render', { actor, where: `POST /api/projects/${projectId}/render`, target: projectId });
      if (screened.blocked.length) throw blocked(screened.blocked[0], screened.blocked);
      return screened.plan;
    });
    return this.tasks.createRender(user, projectId, plan, version?.id ?? null);
  }

  /** Every render of the project, newest first, for any member (404 for anyone else). */
  async history(user: AuthenticatedUser, projectId: string, q: PageQuery): Promise<Page<RenderHistoryItem>> {
    await this.projects.open(user, projectId);
    return this.tasks.projectHistory(projectId, q);
  }
}
