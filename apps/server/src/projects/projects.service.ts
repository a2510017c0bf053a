import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ReportingPlanner } from '@reelcraft/inference';
import {
  RenderPlanSchema,
  StoryboardValidationError,
  canEditProject,
  canManageProject,
  MEMBER_SUGGESTIONS_MAX,
  projectNameFromPrompt,
  planFromStoryboard,
  storyboardFromPlan,
  type AddMemberBody,
  type PlannerDoneEvent,
  type PlannerSceneEvent,
  type PlannerStartedEvent,
  type PlanningNow,
  type CreateProjectBody,
  type Page,
  type PlannedScene,
  type PlannerRecord,
  type ProjectListQuery,
  type ProjectMemberView,
  type ProjectRole,
  type ProjectSummary,
  type ProjectView,
  type Storyboard,
  type RenderPlan,
  type PlanFailureCode,
} from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { emptyStoryboardFor } from './project-name';
import { StoryboardExamples } from '../planning/storyboard-examples';
import { Subject, type Observable } from 'rxjs';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { containsPattern, containsSql } from '../database/contains';
import { isUniqueViolation } from '../database/unique-violation';
import { ContentScreening } from '../moderation/content-screening';
import { ReviewQueue } from '../moderation/review-queue';
import { Task } from '../renders/task.entity';
import { TaskFailure, planFailureCodeOf } from '../renders/failure-code';
import { User } from '../users/user.entity';
import { ProjectMember } from './project-member.entity';
import { Project } from './project.entity';
import { StoryboardStore } from './storyboard-store';
import { apiError } from '../common/api-error';

export type PlanningProgress = { kind: 'started'; event: PlannerStartedEvent } | { kind: 'scene'; event: PlannerSceneEvent } | { kind: 'done'; event: PlannerDoneEvent };

/** Injection token of the planner that writes a project's first storyboard from a prompt. */
export const PROJECT_PLANNER = Symbol('PROJECT_PLANNER');

/** Writes a planner's scenes into a project's live storyboard as they arrive (see ProjectsService.planStream). */
export interface PlanStream {
  /** Appends one scene (in order) as one edit everyone with the document open receives. */
  scene(scene: PlannedScene, total: number | null): void;
  /** After the last scene: records which planner wrote them and announces `planner:done`. */
  finish(report: PlannerRecord): Promise<void>;
  /** Planning failed or was cancelled: announces `planner:done` with the error and its code (planFailureCodeOf unless `code` names it). */
  fail(err: unknown, code?: PlanFailureCode): Promise<void>;
}

export type MembershipChangeReason = 'added' | 'role-changed' | 'removed' | 'left' | 'project-deleted';
export interface MembershipChange {
  project_id: string;
  user_id: string;
  /** The member's role now; null when they lost their membership. */
  role: ProjectRole | null;
  reason: MembershipChangeReason;
}

const NOT_FOUND = (id: string) => apiError(404, 'project_not_found', `no project ${id}`);

/**
 * Projects and who may open them. Everything is answered from the caller's point of view: a
 * project they cannot open is a 404 (nobody learns which ids exist), one they may open but not
 * change is a 403. Admins open every project as owners.
 */
@Injectable()
export class ProjectsService implements OnModuleInit {
  private readonly changes = new Subject<MembershipChange>();
  private readonly planning = new Subject<PlanningProgress>();
  /** Scenes arriving from the planner, for the Socket.IO gateway to announce. */
  readonly planningProgress: Observable<PlanningProgress> = this.planning.asObservable();
  private readonly logger = new Logger('Projects');
  /** Every membership change, after it is stored. */
  readonly membershipChanges: Observable<MembershipChange> = this.changes.asObservable();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: StoryboardStore,
    @Inject(PROJECT_PLANNER) private readonly planner: ReportingPlanner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly examples: StoryboardExamples,
    private readonly screening: ContentScreening,
    private readonly reviews: ReviewQueue,
  ) {}

  /** A prompt a `review` rule held is planned once an admin approves it. */
  onModuleInit(): void {
    this.reviews.onDecision('project', async (item, approved) => {
      if (approved && item.stage === 'prompt' && (await this.projects.exists({ where: { id: item.target_id } }))) void this.planInto(item.target_id, item.text, item.user_id);
    });
  }

  /** Planning in flight for a project created from a prompt; deleting the project cancels it. */
  private readonly planningNow = new Map<string, AbortController>();
  /** Every storyboard a planner is writing now (from a prompt or for a task), and how far it is. */
  private readonly planningState = new Map<string, PlanningNow>();

  private get projects() {
    return this.db.getRepository(Project);
  }
  private get members() {
    return this.db.getRepository(ProjectMember);
  }

  // ------------------------------------------------------------------------------------------
  // For the collab and events modules

  /** The user's role in the project; admins count as owners; null when they may not open it or it does not exist. */
  async roleOf(user: Pick<AuthenticatedUser, 'id' | 'role'>, projectId: string): Promise<ProjectRole | null> {
    if (user.role === 'admin') return (await this.projects.exists({ where: { id: projectId } })) ? 'owner' : null;
    const member = await this.members.findOne({ where: { project_id: projectId, user_id: user.id } });
    return member?.role ?? null;
  }

  /** How far the planner is in the project's storyboard, null when none is writing it. */
  planningOf(projectId: string): PlanningNow | null {
    const state = this.planningState.get(projectId);
    return state ? { ...state } : null;
  }

  /** Calls `listener` on every membership change (added, role changed, removed); returns the unsubscribe function. */
  onMembershipChanged(listener: (change: MembershipChange) => void): () => void {
    const sub = this.changes.subscribe(listener);
    return () => sub.unsubscribe();
  }

  /** Marks the project as changed now (its storyboard was edited), for the "recent first" lists. */
  async touch(projectId: string): Promise<void> {
    await this.projects.update({ id: projectId }, { updated_at: new Date() });
  }

  // ------------------------------------------------------------------------------------------
  // REST

  /**
   * An empty storyboard, answered at once; with a prompt the planner's scenes then arrive in the
   * live document one by one (planner:scene events), so whoever has it open watches them come in.
   */
  async create(user: AuthenticatedUser, body: CreateProjectBody): Promise<ProjectView> {
    const actor = { id: user.id, username: user.username };
    const ctx = { actor, where: 'POST /api/projects' };
    const name = await this.screening.enforce(body.name ?? projectNameFromPrompt(body.prompt ?? ''), 'project_name', ctx);
    const prompt = body.prompt ? await this.screening.enforce(body.prompt, 'prompt', ctx) : null;
    const project = await this.createProject(user.id, name.text, emptyStoryboardFor(name.text, this.config.render, prompt?.text ?? name.text), null);
    if (name.held) await this.reviews.hold('project', project.id, name.text, name.held, 'project_name', actor);
    if (prompt?.held) await this.reviews.hold('project', project.id, prompt.text, prompt.held, 'prompt', actor);
    else if (prompt) void this.planInto(project.id, prompt.text, user.id);
    return this.view(user, project.id);
  }

  /**
   * Plans the project's storyboard from `prompt`, scene by scene into the live document. Which
   * planner wrote it (and why the LLM fell back, if it did) is stored with the project.
   */
  private async planInto(projectId: string, prompt: string, ownerId: string): Promise<void> {
    const controller = new AbortController();
    this.planningNow.set(projectId, controller);
    const stream = this.planStream(projectId, null);
    try {
      const examples = await this.examples.forPrompt(ownerId, prompt);
      const outcome = await this.planner.planWithReport(prompt, { signal: controller.signal, ...examples, onScene: (scene, total) => stream.scene(scene, total) });
      await stream.finish(outcome.report);
    } catch (err) {
      await stream.fail(err);
    } finally {
      this.planningNow.delete(projectId);
    }
  }

  /**
   * Announces that the planner is writing the project's storyboard (`planner:started`), appends
   * its scenes one edit at a time as they arrive, announcing each (`planner:scene`), then stores
   * which planner wrote them and announces `planner:done`. Appends run in order; once one fails
   * (e.g. the project was deleted) the rest are dropped and finish() reports that failure.
   */
  planStream(projectId: string, taskId: string | null): PlanStream {
    let chain: Promise<void> = Promise.resolve();
    let broken: Error | null = null;
    const state: PlanningNow = { scenes: 0, total: null };
    this.planningState.set(projectId, state);
    this.planning.next({ kind: 'started', event: { project_id: projectId, task_id: taskId } });
    const done = (event: Omit<PlannerDoneEvent, 'project_id' | 'task_id'>) => {
      if (this.planningState.get(projectId) === state) this.planningState.delete(projectId);
      this.planning.next({ kind: 'done', event: { project_id: projectId, task_id: taskId, ...event } });
    };
    return {
      scene: (planned, total) => {
        chain = chain
          .then(async () => {
            if (broken) return;
            // The LLM's words pass the filter before anyone sees them: masked, or the plan stops.
            const screened = await this.screening.screenPlan({ language: 'en', title: '', scenes: [planned] }, 'planner_output', { actor: null, where: `planner for project ${projectId}`, target: projectId });
            if (screened.blocked.length) {
              this.planningNow.get(projectId)?.abort();
              throw new TaskFailure('content_blocked', `the content filter stopped the plan: scene ${planned.scene_number} holds blocked words (category ${screened.blocked[0].category})`);
            }
            const [scene] = storyboardFromPlan({ language: 'en', title: 'scene', scenes: [screened.plan.scenes[0]] }).scenes;
            await this.store.appendScene(projectId, scene);
            state.scenes += 1;
            state.total = total;
            this.planning.next({ kind: 'scene', event: { project_id: projectId, task_id: taskId, scene_number: state.scenes, total, scene_id: scene.id } });
          })
          .catch((err: Error) => {
            broken = err;
          });
      },
      finish: async (report) => {
        await chain;
        if (broken) return this.failPlanning(projectId, taskId, broken, done);
        await this.projects.update({ id: projectId }, { planner: report, updated_at: new Date() });
        if (report.fallback_reason) this.logger.warn(`project ${projectId}: ${report.fallback_reason}; the rule-based planner wrote the rest`);
        done({ ok: true, error: null, failure_code: null, planner: report });
      },
      fail: async (err, code) => {
        await chain;
        this.failPlanning(projectId, taskId, err, done, code);
      },
    };
  }

  private failPlanning(projectId: string, taskId: string | null, err: unknown, done: (e: Omit<PlannerDoneEvent, 'project_id' | 'task_id'>) => void, code = planFailureCodeOf(err)): void {
    const message = err instanceof Error ? err.message : String(err);
    this.logger.warn(`planning project ${projectId}${taskId ? ` (task ${taskId})` : ''} failed (${code}): ${message}`);
    done({ ok: false, error: message, failure_code: code, planner: null });
  }

  /** Stores a project with its owner, then its storyboard; the rows go again if the storyboard cannot be stored. */
  async createProject(ownerId: string, name: string, sb: Storyboard, taskId: string | null): Promise<Project> {
    // Times are set here, not by the database: SQLite's default has whole seconds, and lists sort by them.
    const now = new Date();
    const project = this.projects.create({ id: randomUUID(), name, owner_id: ownerId, task_id: taskId, planner: null, created_at: now, updated_at: now });
    await this.db.transaction(async (m) => {
      await m.getRepository(Project).insert(project);
      await m.getRepository(ProjectMember).insert({ id: randomUUID(), project_id: project.id, user_id: ownerId, role: 'owner', added_at: now });
    });
    try {
      await this.store.initialise(project.id, sb);
    } catch (err) {
      await this.deleteRows(project.id);
      throw err;
    }
    return project;
  }

  async list(user: AuthenticatedUser, q: ProjectListQuery): Promise<Page<ProjectSummary>> {
    if (q.scope === 'all' && user.role !== 'admin') throw apiError(403, 'admin_only', 'listing every project needs the admin role');
    const qb = this.projects.createQueryBuilder('p');
    if (q.scope === 'member') qb.innerJoin(ProjectMember, 'm', 'm.project_id = p.id AND m.user_id = :uid', { uid: user.id });
    // The join matches at most one row per project (unique pair), so offset/limit page correctly.
    const [rows, total] = await qb
      .orderBy('p.updated_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .offset((q.page - 1) * q.page_size)
      .limit(q.page_size)
      .getManyAndCount();
    return { items: await this.summaries(user, rows), total, page: q.page, page_size: q.page_size };
  }

  async view(user: AuthenticatedUser, id: string): Promise<ProjectView> {
    const { project, role } = await this.open(user, id);
    const [summary] = await this.summaries(user, [project], new Map([[project.id, role]]));
    return { ...summary, members: await this.memberViews(id) };
  }

  async rename(user: AuthenticatedUser, id: string, name: string): Promise<ProjectView> {
    await this.open(user, id, 'edit');
    const actor = { id: user.id, username: user.username };
    const screened = await this.screening.enforce(name, 'project_name', { actor, where: `PATCH /api/projects/${id}`, target: id });
    await this.projects.update({ id }, { name: screened.text, updated_at: new Date() });
    if (screened.held) await this.reviews.hold('project', id, screened.text, screened.held, 'project_name', actor);
    return this.view(user, id);
  }

  async remove(user: AuthenticatedUser, id: string): Promise<void> {
    await this.open(user, id, 'manage');
    this.planningNow.get(id)?.abort();
    const members = await this.members.find({ where: { project_id: id } });
    await this.deleteRows(id);
    for (const m of members) this.changes.next({ project_id: id, user_id: m.user_id, role: null, reason: 'project-deleted' });
  }

  async storyboard(user: AuthenticatedUser, id: string): Promise<Storyboard> {
    await this.open(user, id);
    try {
      const sb = await this.store.snapshot(id);
      if (!sb) throw apiError(404, 'storyboard_missing', `project ${id} has no storyboard yet`);
      return sb;
    } catch (err) {
      if (err instanceof StoryboardValidationError) throw apiError(409, 'storyboard_invalid', err.message, undefined, { issues: err.issues });
      throw err;
    }
  }

  async listMembers(user: AuthenticatedUser, id: string): Promise<ProjectMemberView[]> {
    await this.open(user, id);
    return this.memberViews(id);
  }

  /**
   * Usernames an owner may add, as they type in the share dialog: enabled accounts holding `term`,
   * not members yet, names starting with it first, at most MEMBER_SUGGESTIONS_MAX. Owners only, and
   * only with text typed, so nobody pages through the user list this way.
   */
  async memberSuggestions(user: AuthenticatedUser, id: string, term: string): Promise<string[]> {
    await this.open(user, id, 'manage');
    const pattern = containsPattern(term);
    const rows = await this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .select('u.username', 'username')
      .where(containsSql('u.username', 'pattern'), { pattern })
      .andWhere('u.disabled = :off', { off: false })
      .andWhere((qb) => `u.id NOT IN ${qb.subQuery().select('m.user_id').from(ProjectMember, 'm').where('m.project_id = :id').getQuery()}`, { id })
      // Names that start with what was typed first, then the shorter ones, then by name.
      .orderBy(`CASE WHEN LOWER(u.username) LIKE :prefix ESCAPE '\\' THEN 0 ELSE 1 END`)
      .addOrderBy('LENGTH(u.username)')
      .addOrderBy('u.username')
      .setParameter('prefix', pattern.slice(1))
      .limit(MEMBER_SUGGESTIONS_MAX)
      .getRawMany<{ username: string }>();
    return rows.map((r) => r.username);
  }

  async addMember(user: AuthenticatedUser, id: string, body: AddMemberBody): Promise<ProjectMemberView> {
    await this.open(user, id, 'manage');
    const target = await this.db.getRepository(User).findOne({ where: { username: body.username } });
    if (!target) throw apiError(404, 'user_not_found', `no user "${body.username}"`, undefined, { issues: [{ path: 'username', message: `no user "${body.username}"` }] });
    const already = () => apiError(409, 'already_member', `${target.username} is already a member; change their role instead`, { username: target.username });
    if (await this.members.exists({ where: { project_id: id, user_id: target.id } })) throw already();
    const member = this.members.create({ id: randomUUID(), project_id: id, user_id: target.id, role: body.role, added_at: new Date() });
    // Two adds at once both pass the check above; the unique key (project, user) refuses the second.
    await this.members.insert(member).catch((err: unknown) => {
      throw isUniqueViolation(err) ? already() : err;
    });
    await this.touch(id);
    this.changes.next({ project_id: id, user_id: target.id, role: body.role, reason: 'added' });
    return this.memberView(await this.members.findOneByOrFail({ id: member.id }), target.username);
  }

  async changeRole(user: AuthenticatedUser, id: string, userId: string, role: ProjectRole): Promise<ProjectMemberView> {
    await this.open(user, id, 'manage');
    const member = await this.db.transaction(async (m) => {
      const member = await this.memberOrFail(m, id, userId);
      if (member.role === role) return member;
      if (member.role === 'owner') await this.keepAnOwner(m, id, userId);
      await m.getRepository(ProjectMember).update({ id: member.id }, { role });
      return { ...member, role };
    });
    await this.touch(id);
    this.changes.next({ project_id: id, user_id: userId, role, reason: 'role-changed' });
    const target = await this.db.getRepository(User).findOneBy({ id: userId });
    return this.memberView(member, target?.username ?? '');
  }

  async removeMember(user: AuthenticatedUser, id: string, userId: string): Promise<void> {
    await this.open(user, id, 'manage');
    await this.dropMember(id, userId, userId === user.id ? 'left' : 'removed');
  }

  /** Any member may leave; the last owner may not (they delete the project instead, or hand it on first). */
  async leave(user: AuthenticatedUser, id: string): Promise<void> {
    await this.open(user, id);
    await this.dropMember(id, user.id, 'left');
  }

  // ------------------------------------------------------------------------------------------
  // Seed-API tasks: each one gets a project (see task-projects.ts)

  async projectOfTask(taskId: string): Promise<Project | null> {
    return this.projects.findOne({ where: { task_id: taskId } });
  }

  /**
   * A storyboard as a plan ready to render. One that cannot render (no scenes, a broken field)
   * answers 409 with per-field issues.
   */
  planToRender(sb: Storyboard): RenderPlan {
    const result = RenderPlanSchema.safeParse(planFromStoryboard(sb));
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw apiError(409, 'storyboard_invalid', `the storyboard cannot be rendered yet: ${issues.map((i) => `${i.path || 'storyboard'}: ${i.message}`).join('; ')}`, undefined, { issues });
    }
    return result.data;
  }

  /** The project's newest render is this task (its video then shows on the project). */
  async linkTask(projectId: string, taskId: string): Promise<void> {
    await this.projects.update({ id: projectId }, { task_id: taskId, updated_at: new Date() });
  }

  async unlinkTask(taskId: string): Promise<void> {
    await this.projects.update({ task_id: taskId }, { task_id: null, updated_at: new Date() });
  }

  // ------------------------------------------------------------------------------------------

  /** The project when `user` may open it (404 otherwise) and, when `need` is given, do that (403 otherwise). */
  async open(user: AuthenticatedUser, id: string, need?: 'edit' | 'manage'): Promise<{ project: Project; role: ProjectRole }> {
    const project = await this.projects.findOne({ where: { id } });
    const role = project ? await this.roleOf(user, id) : null;
    if (!project || !role) throw NOT_FOUND(id);
    if (need === 'edit' && !canEditProject(role)) throw apiError(403, 'project_read_only', `a ${role} cannot change this project`);
    if (need === 'manage' && !canManageProject(role)) throw apiError(403, 'owner_only', `only owners can do this; you are ${role === 'editor' ? 'an' : 'a'} ${role}`);
    return { project, role };
  }

  private async memberOrFail(m: EntityManager, projectId: string, userId: string): Promise<ProjectMember> {
    const member = await m.getRepository(ProjectMember).findOne({ where: { project_id: projectId, user_id: userId } });
    if (!member) throw apiError(404, 'member_not_found', `user ${userId} is not a member of project ${projectId}`);
    return member;
  }

  /**
   * Refuses when `userId` is the project's only owner; otherwise keeps projects.owner_id on an
   * owner who stays. Runs inside the transaction that then demotes or removes `userId`.
   */
  private async keepAnOwner(m: EntityManager, projectId: string, userId: string): Promise<void> {
    const others = await m.getRepository(ProjectMember).find({ where: { project_id: projectId, role: 'owner' }, order: { added_at: 'ASC', id: 'ASC' } });
    const next = others.find((o) => o.user_id !== userId);
    if (!next) throw apiError(409, 'last_owner', 'a project needs an owner: make someone else owner first, or delete the project');
    const project = await m.getRepository(Project).findOneByOrFail({ id: projectId });
    if (project.owner_id === userId) await m.getRepository(Project).update({ id: projectId }, { owner_id: next.user_id });
  }

  private async dropMember(projectId: string, userId: string, reason: 'removed' | 'left'): Promise<void> {
    await this.db.transaction(async (m) => {
      const member = await this.memberOrFail(m, projectId, userId);
      if (member.role === 'owner') await this.keepAnOwner(m, projectId, userId);
      await m.getRepository(ProjectMember).delete({ id: member.id });
    });
    await this.touch(projectId);
    this.changes.next({ project_id: projectId, user_id: userId, role: null, reason });
  }

  private async deleteRows(projectId: string): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.getRepository(ProjectMember).delete({ project_id: projectId });
      await m.getRepository(Project).delete({ id: projectId });
      // Its renders stay with whoever started them, as tasks of no project.
      await m.getRepository(Task).update({ project_id: projectId }, { project_id: null });
    });
  }

  private async summaries(user: AuthenticatedUser, rows: Project[], known = new Map<string, ProjectRole>()): Promise<ProjectSummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((p) => p.id);
    const [owners, mine] = await Promise.all([
      this.db.getRepository(User).find({ where: { id: In([...new Set(rows.map((p) => p.owner_id))]) } }),
      known.size === rows.length ? Promise.resolve([]) : this.members.find({ where: { user_id: user.id, project_id: In(ids) } }),
    ]);
    const ownerName = new Map(owners.map((u) => [u.id, u.username]));
    const roles = new Map([...mine.map((m) => [m.project_id, m.role] as const), ...known]);
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      owner_id: p.owner_id,
      owner: ownerName.get(p.owner_id) ?? '',
      role: roles.get(p.id) ?? 'owner', // only admins see projects they are no member of
      task_id: p.task_id,
      planner: p.planner ?? null,
      created_at: p.created_at.toISOString(),
      updated_at: p.updated_at.toISOString(),
    }));
  }

  private async memberViews(projectId: string): Promise<ProjectMemberView[]> {
    const rows = await this.members.find({ where: { project_id: projectId }, order: { added_at: 'ASC', id: 'ASC' } });
    const users = await this.db.getRepository(User).find({ where: { id: In(rows.map((r) => r.user_id)) } });
    const names = new Map(users.map((u) => [u.id, u.username]));
    return rows.map((r) => this.memberView(r, names.get(r.user_id) ?? ''));
  }

  private memberView(m: ProjectMember, username: string): ProjectMemberView {
    return { user_id: m.user_id, username, role: m.role, added_at: m.added_at.toISOString() };
  }
}
