import { Inject, Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { DataSource, In } from 'typeorm';
import {
  FINAL_TASK_STATUSES,
  planTimeline,
  type Aspect,
  type Page,
  type PageQuery,
  type QueueView,
  type RenderHistoryItem,
  type RenderPlan,
  type SizePreset,
  type TaskSceneView,
  type TaskStatus,
  type TaskView,
} from '@reelcraft/shared';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AuditLog } from '../moderation/audit-log';
import { ContentScreening } from '../moderation/content-screening';
import { ReviewQueue } from '../moderation/review-queue';
import { ProjectMember } from '../projects/project-member.entity';
import { Project } from '../projects/project.entity';
import { User } from '../users/user.entity';
import { versionRefs } from '../versions/version-refs';
import { RenderEvents } from './render-events';
import { RenderQueue } from './render-queue';
import { renderingShare, taskDir } from './render-job';
import { Scene } from './scene.entity';
import { TaskEvents } from './task-events';
import { Task } from './task.entity';
import { taskLook } from './task-look';
import { Take } from './take.entity';
import { VideoResource } from './video-resource.entity';
import { apiError } from '../common/api-error';

/** A prompt's storyboard before it is planned: what the rule-based planner writes for a typical prompt. */
const TYPICAL_PLANNED_SCENES = 4;

@Injectable()
export class TasksService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: RenderQueue,
    private readonly taskEvents: TaskEvents,
    private readonly renderEvents: RenderEvents,
    private readonly screening: ContentScreening,
    private readonly reviews: ReviewQueue,
    private readonly audit: AuditLog,
  ) {}

  private get tasks() {
    return this.db.getRepository(Task);
  }

  /**
   * Screens every prompt (stage `prompt`: a blocked one refuses the whole request with 422 and
   * stores nothing, a masked one is stored masked), stores the tasks in one transaction before
   * answering, then wakes the queue. A prompt a `review` rule matched waits in `held` for an admin.
   */
  async create(owner: AuthenticatedUser, prompts: string[], frame: { aspect?: Aspect; size?: SizePreset } = {}): Promise<string[]> {
    await this.withinQueueLimit(owner, prompts.length);
    const look = taskLook(frame, this.config.render);
    const actor = { id: owner.id, username: owner.username };
    const screened = [];
    for (const prompt of prompts) screened.push(await this.screening.enforce(prompt, 'prompt', { actor, where: 'POST /api/tasks' }));
    const rows = screened.map(({ text, held }) => ({ id: randomUUID(), owner_id: owner.id, prompt: text, look, status: held ? ('held' as const) : ('pending' as const), attempts: 0 }));
    await this.db.transaction(async (m) => {
      // Distinct creation times keep a batch in order in the queue.
      const base = Date.now();
      await m.getRepository(Task).insert(rows.map((r, i) => ({ ...r, created_at: new Date(base + i) })));
    });
    for (const [i, r] of rows.entries()) {
      const held = screened[i].held;
      if (held) await this.reviews.hold('task', r.id, r.prompt, held, 'prompt', actor);
      await this.taskEvents.emit('created', { task_id: r.id, owner_id: r.owner_id, prompt: r.prompt, look });
      // Every open task list of the owner hears of it at once.
      this.renderEvents.emit('status', { taskId: r.id, ownerId: r.owner_id, status: r.status, progress: 0 });
    }
    this.queue.kick();
    return rows.map((r) => r.id);
  }

  /** An admin decided on a held task: approved, it is queued; rejected, it fails with the reason. */
  private async decideHeld(taskId: string, approved: boolean, note: string | null): Promise<void> {
    const task = await this.tasks.findOne({ where: { id: taskId } });
    if (!task) return;
    const ref = { taskId, ownerId: task.owner_id };
    if (approved) {
      const moved = await this.tasks.update({ id: taskId, status: 'held' }, { status: 'pending' });
      if (moved.affected) this.renderEvents.emit('status', { ...ref, status: 'pending', progress: 0 });
      this.queue.kick();
      return;
    }
    const error = `an admin rejected this prompt after review${note ? `: ${note}` : ''}`;
    const failed = await this.tasks.update({ id: taskId, status: 'held' }, { status: 'failed', error, failure_code: 'review_rejected', finished_at: new Date() });
    if (failed.affected) this.renderEvents.emit('failed', { ...ref, error, code: 'review_rejected' });
  }

  onModuleInit(): void {
    this.reviews.onDecision('task', (item, approved) => this.decideHeld(item.target_id, approved, item.note));
  }

  /** Every user's tasks for the console, newest first, optionally in one status. */
  async listAll(q: PageQuery & { status?: TaskStatus }): Promise<Page<TaskView>> {
    const [rows, total] = await this.tasks.findAndCount({
      where: q.status ? { status: q.status } : {},
      order: { created_at: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.page_size,
      take: q.page_size,
    });
    return { items: await this.views(rows), total, page: q.page, page_size: q.page_size };
  }

  /** A user may have so many tasks waiting or rendering (their own limit, else USER_MAX_QUEUED_TASKS): 429 past it. */
  private async withinQueueLimit(owner: AuthenticatedUser, adding: number): Promise<void> {
    const user = await this.db.getRepository(User).findOne({ where: { id: owner.id } });
    const max = user?.max_queued_tasks ?? this.config.render.userMaxQueued;
    const queued = await this.tasks.count({ where: { owner_id: owner.id, status: In(['pending', 'held', 'running']) } });
    if (queued + adding > max) {
      throw apiError(429, 'queue_full', `you have ${queued} task(s) waiting or rendering and may have at most ${max}: wait for some to finish`, { queued, max });
    }
  }

  /** A failed or cancelled task goes back to the queue; scenes already drawn are reused from their takes. */
  async retry(user: AuthenticatedUser, id: string): Promise<Task> {
    const task = await this.findOwned(user, id);
    if (task.status !== 'failed' && task.status !== 'cancelled') throw apiError(409, 'task_not_retryable', `only a failed or cancelled task can be retried; this one is ${task.status}`, { status: task.status });
    await this.withinQueueLimit(user, 1);
    const moved = await this.tasks.update({ id, status: In(['failed', 'cancelled']) }, { status: 'pending', error: null, failure_code: null, started_at: null, finished_at: null });
    if (!moved.affected) throw apiError(409, 'task_changed', 'the task changed meanwhile; reload it');
    this.renderEvents.emit('status', { taskId: id, ownerId: task.owner_id, status: 'pending', progress: 0 });
    this.queue.kick();
    return this.findVisible(user, id);
  }

  /** An admin's reordering: higher runs first. */
  async setPriority(admin: AuthenticatedUser, id: string, priority: number): Promise<Task> {
    const task = await this.tasks.findOne({ where: { id } });
    if (!task) throw apiError(404, 'task_not_found', `no task ${id}`);
    await this.tasks.update({ id }, { priority });
    await this.audit.record({ kind: 'admin_action', action: 'task.priority', actor: { id: admin.id, username: admin.username }, target: id, detail: { priority } });
    this.queue.kick();
    return { ...task, priority };
  }

  /** The queue as the console shows it: paused or not, what runs, and what waits in the order it will start. */
  async queueView(): Promise<QueueView> {
    const [paused, order, running] = await Promise.all([this.queue.paused(), this.queue.order(), this.tasks.find({ where: { status: 'running' }, order: { started_at: 'ASC' } })]);
    return { paused, running: await this.views(running), pending: await this.views(order) };
  }

  /**
   * A render of an edited storyboard: the task carries the plan, so the worker renders it as it is,
   * and the saved version of the storyboard it was made from.
   */
  async createRender(owner: AuthenticatedUser, projectId: string, plan: RenderPlan, versionId: string | null): Promise<string> {
    await this.withinQueueLimit(owner, 1);
    const id = randomUUID();
    // created_at to the millisecond, as a batch's: SQLite's own default keeps whole seconds, and two renders of one second would tie in the history's order.
    await this.tasks.insert({ id, owner_id: owner.id, prompt: plan.title, plan, project_id: projectId, version_id: versionId, status: 'pending', attempts: 0, created_at: new Date() });
    await this.taskEvents.emit('created', { task_id: id, owner_id: owner.id, prompt: plan.title, project_id: projectId });
    this.renderEvents.emit('status', { taskId: id, ownerId: owner.id, status: 'pending', progress: 0 });
    this.queue.kick();
    return id;
  }

  /** A seed-API task's storyboard went into this project (see TaskProjects). */
  async linkProject(taskId: string, projectId: string): Promise<void> {
    await this.tasks.update({ id: taskId }, { project_id: projectId });
  }

  /**
   * The task when `user` may see it, its video and its clips: whoever started it, an admin, or a
   * member of its project (who watched it render there); 404 otherwise, so nobody learns which ids exist.
   */
  async findVisible(user: AuthenticatedUser, id: string): Promise<Task> {
    const task = await this.tasks.findOne({ where: { id } });
    if (task && startedByOrAdmin(task, user)) return task;
    if (task?.project_id && (await this.db.getRepository(ProjectMember).exists({ where: { project_id: task.project_id, user_id: user.id } }))) return task;
    throw apiError(404, 'task_not_found', `no task ${id}`);
  }

  /** Cancelling and deleting stay with whoever started the task, and admins; a member who may only watch gets 403. */
  private async findOwned(user: AuthenticatedUser, id: string): Promise<Task> {
    const task = await this.findVisible(user, id);
    if (!startedByOrAdmin(task, user)) throw apiError(403, 'task_not_yours', 'only whoever started this render, or an admin, can cancel or delete it');
    return task;
  }

  async list(user: AuthenticatedUser, q: PageQuery): Promise<Page<TaskView>> {
    const [rows, total] = await this.tasks.findAndCount({
      where: user.role === 'admin' ? {} : { owner_id: user.id },
      order: { created_at: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.page_size,
      take: q.page_size,
    });
    return { items: await this.views(rows), total, page: q.page, page_size: q.page_size };
  }

  async view(task: Task): Promise<TaskView> {
    return (await this.views([task]))[0];
  }

  async cancel(user: AuthenticatedUser, id: string): Promise<Task> {
    const task = await this.findOwned(user, id);
    if (FINAL_TASK_STATUSES.includes(task.status)) throw apiError(409, 'task_finished', `task is already ${task.status}`, { status: task.status });
    const cancelled = await this.tasks.update({ id, status: In(['pending', 'held']) }, { status: 'cancelled', finished_at: new Date() });
    await this.tasks.update({ id, status: 'running' }, { status: 'cancelled', finished_at: new Date() });
    await this.queue.stop(id);
    // A running task's end is announced by the queue; one that never started is announced here.
    if (cancelled.affected) this.renderEvents.emit('status', { taskId: id, ownerId: task.owner_id, status: 'cancelled', progress: 0 });
    if (task.owner_id !== user.id) await this.audit.record({ kind: 'admin_action', action: 'task.cancel', actor: { id: user.id, username: user.username }, target: id, detail: { owner_id: task.owner_id } });
    return this.findVisible(user, id);
  }

  async remove(user: AuthenticatedUser, id: string): Promise<void> {
    await this.findOwned(user, id);
    // Mark it first so the queue does not pick it up while its files go.
    await this.tasks.update({ id, status: In(['pending', 'held', 'running']) }, { status: 'cancelled', finished_at: new Date() });
    await this.queue.stop(id);
    await this.db.transaction(async (m) => {
      await m.getRepository(VideoResource).delete({ task_id: id });
      await m.getRepository(Scene).delete({ task_id: id });
      await m.getRepository(Task).delete({ id });
    });
    await rm(taskDir(this.config, id), { recursive: true, force: true });
    await this.taskEvents.emit('deleted', { task_id: id });
  }

  /** A project's renders, newest first, each with who asked for it and the storyboard version it came from. */
  async projectHistory(projectId: string, q: PageQuery): Promise<Page<RenderHistoryItem>> {
    const [rows, total] = await this.tasks.findAndCount({
      where: { project_id: projectId },
      order: { created_at: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.page_size,
      take: q.page_size,
    });
    const ids = rows.map((t) => t.id);
    const [users, finals, versions] = await Promise.all([
      this.db.getRepository(User).find({ where: { id: In([...new Set(rows.map((t) => t.owner_id))]) } }),
      ids.length ? this.db.getRepository(VideoResource).find({ where: { task_id: In(ids), kind: 'final' } }) : [],
      versionRefs(this.db, rows.map((t) => t.version_id)),
    ]);
    const names = new Map(users.map((u) => [u.id, u.username]));
    const items = rows.map((t): RenderHistoryItem => {
      const final = t.status === 'completed' ? finals.find((r) => r.task_id === t.id) : undefined;
      return {
        task_id: t.id,
        status: t.status,
        created_at: t.created_at.toISOString(),
        finished_at: t.finished_at?.toISOString() ?? null,
        requested_by: { id: t.owner_id, name: names.get(t.owner_id) ?? '' },
        duration: final?.duration ?? null,
        poster_url: final ? `/api/tasks/${t.id}/poster.jpg` : null,
        video_url: final ? `/api/tasks/${t.id}/video` : null,
        version: (t.version_id && versions.get(t.version_id)) || null,
      };
    });
    return { items, total, page: q.page, page_size: q.page_size };
  }

  /** Absolute path of the still of the take a scene of the task used; 404 while it has none. */
  async scenePosterPath(user: AuthenticatedUser, id: string, sceneNumber: number): Promise<string> {
    await this.findVisible(user, id);
    const scene = await this.db.getRepository(Scene).findOne({ where: { task_id: id, scene_number: sceneNumber } });
    const take = scene?.take_id ? await this.db.getRepository(Take).findOne({ where: { id: scene.take_id } }) : null;
    if (!take?.poster_path) throw apiError(404, 'still_missing', `scene ${sceneNumber} of task ${id} has no still`);
    return this.insideDataDir(take.poster_path);
  }

  /** Absolute path of a finished task's subtitles or poster, written beside its video. */
  async sidecarPath(user: AuthenticatedUser, id: string, ext: 'srt' | 'vtt' | 'jpg'): Promise<string> {
    const video = await this.filePath(user, id);
    return video.replace(/\.mp4$/, `.${ext}`);
  }

  /** Absolute path of a task's final video, or of one scene's clip. */
  async filePath(user: AuthenticatedUser, id: string, sceneNumber?: number): Promise<string> {
    const task = await this.findVisible(user, id);
    const resources = this.db.getRepository(VideoResource);
    let resource: VideoResource | null;
    if (sceneNumber === undefined) {
      if (task.status !== 'completed') throw apiError(404, 'video_not_ready', `task ${id} has no video yet (it is ${task.status})`);
      resource = await resources.findOne({ where: { task_id: id, kind: 'final' } });
    } else {
      const scene = await this.db.getRepository(Scene).findOne({ where: { task_id: id, scene_number: sceneNumber } });
      resource = scene ? await resources.findOne({ where: { task_id: id, scene_id: scene.id, kind: 'clip' } }) : null;
    }
    if (!resource) throw apiError(404, 'video_missing', sceneNumber === undefined ? `task ${id} has no video` : `task ${id} has no clip for scene ${sceneNumber}`);
    return this.insideDataDir(resource.file_path);
  }

  /** A stored path (relative to DATA_DIR) made absolute; paths are written by the server itself, but nothing outside DATA_DIR is ever served. */
  private insideDataDir(stored: string): string {
    const path = join(this.config.dataDir, stored);
    const rel = relative(this.config.dataDir, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new NotFoundException('file is outside the data folder');
    return path;
  }

  /**
   * Each scene's own state, as its scene job left it, with the progress of those rendering now.
   * Its start in the video follows the assembly's timeline (the clips' real lengths once every one
   * exists, else the planned ones; the plan's transitions overlap neighbours).
   */
  private sceneViews(task: Task, scenes: Scene[], clips: VideoResource[], postered: Set<string>): TaskSceneView[] {
    const job = task.status === 'running' ? this.queue.jobProgress(task.id) : null;
    const starts = this.sceneStarts(task, scenes, clips);
    return scenes.map((s, i) => ({
      scene_number: s.scene_number,
      scene_id: s.storyboard_scene_id,
      // Each scene is a job of its own (several may render at once), with its own end.
      status: s.status,
      cached: s.cached,
      take_id: s.take_id,
      progress: s.status === 'done' ? 1 : (job?.rendering.get(s.scene_number) ?? 0),
      start_sec: starts ? Math.round(starts[i]! * 1000) / 1000 : null,
      poster_url: s.take_id && postered.has(s.take_id) ? `/api/tasks/${task.id}/scenes/${s.scene_number}/poster.jpg` : null,
    }));
  }

  private sceneStarts(task: Task, scenes: Scene[], clips: VideoResource[]): number[] | null {
    if (scenes.length === 0) return null;
    const clipOf = new Map(clips.map((c) => [c.scene_id, c]));
    const real = scenes.every((s) => clipOf.has(s.id));
    const durations = scenes.map((s) => (real ? clipOf.get(s.id)!.duration : s.duration_sec));
    const planned = new Map(task.plan?.scenes.map((p) => [p.scene_number, p.transition]) ?? []);
    const fps = task.plan?.style?.fps ?? clips[0]?.frame_rate ?? this.config.render.fps;
    return planTimeline(durations, scenes.map((s) => planned.get(s.scene_number)), fps).starts;
  }

  /** Each pending task's place in the fair order and, from measured scene times, when it should be done. */
  private async waiting(tasks: Task[]): Promise<Map<string, { position: number | null; eta: number | null }>> {
    const out = new Map<string, { position: number | null; eta: number | null }>();
    if (!tasks.some((t) => t.status === 'pending' || t.status === 'running')) return out;
    const [order, measured, running, paused] = await Promise.all([this.queue.order(), this.queue.secondsPerScene(), this.tasks.find({ where: { status: 'running' } }), this.queue.paused()]);
    const perScene = measured;
    const scenesOf = (t: Task) => t.plan?.scenes.length ?? TYPICAL_PLANNED_SCENES;
    const remaining = (t: Task) => {
      const job = this.queue.jobProgress(t.id);
      return job ? Math.max(0, job.scenesPlanned - job.scenesDone - renderingShare(job)) : scenesOf(t);
    };
    let ahead = running.reduce((n, t) => n + remaining(t), 0);
    const lanes = this.queue.lanes();
    // Whole seconds rounded up: work that is left never reads as 0 s, however fast scenes are drawn.
    for (const t of running) out.set(t.id, { position: null, eta: perScene === null ? null : Math.ceil(remaining(t) * perScene) });
    order.forEach((t, i) => {
      // While the queue is paused nothing waiting will start: no honest ETA for it.
      out.set(t.id, { position: i + 1, eta: perScene === null || paused ? null : Math.ceil((ahead / lanes + scenesOf(t)) * perScene) });
      ahead += scenesOf(t);
    });
    return out;
  }

  private async views(tasks: Task[]): Promise<TaskView[]> {
    if (tasks.length === 0) return [];
    const waiting = await this.waiting(tasks);
    const ids = tasks.map((t) => t.id);
    const projectIds = [...new Set(tasks.map((t) => t.project_id).filter((id): id is string => !!id))];
    const [owners, scenes, resources, versions, projects] = await Promise.all([
      this.db.getRepository(User).find({ where: { id: In([...new Set(tasks.map((t) => t.owner_id))]) } }),
      this.db.getRepository(Scene).find({ where: { task_id: In(ids) }, order: { scene_number: 'ASC' } }),
      this.db.getRepository(VideoResource).find({ where: { task_id: In(ids) } }),
      versionRefs(this.db, tasks.map((t) => t.version_id)),
      projectIds.length ? this.db.getRepository(Project).find({ where: { id: In(projectIds) }, select: { id: true, name: true } }) : Promise.resolve([]),
    ]);
    const projectName = new Map(projects.map((p) => [p.id, p.name]));
    const takeIds = [...new Set(scenes.map((s) => s.take_id).filter((id): id is string => !!id))];
    const postered = new Set(
      takeIds.length ? (await this.db.getRepository(Take).find({ where: { id: In(takeIds) }, select: { id: true, poster_path: true } })).filter((t) => t.poster_path).map((t) => t.id) : [],
    );
    const ownerName = new Map(owners.map((u) => [u.id, u.username]));
    return tasks.map((t) => {
      const taskScenes = scenes.filter((s) => s.task_id === t.id);
      const taskResources = resources.filter((r) => r.task_id === t.id);
      const final = taskResources.find((r) => r.kind === 'final');
      const sceneNumberOf = new Map(taskScenes.map((s) => [s.id, s.scene_number]));
      const base = `/api/tasks/${t.id}`;
      const progress = t.status === 'completed' ? 1 : t.status === 'running' ? (this.queue.progressOf(t.id) ?? 0) : 0;
      return {
        task_id: t.id,
        prompt: t.prompt,
        owner: ownerName.get(t.owner_id) ?? '',
        project_id: t.project_id,
        project_name: (t.project_id && projectName.get(t.project_id)) || null,
        status: t.status,
        error: t.error,
        // A failure recorded before codes existed reads as the generic one.
        failure_code: t.status === 'failed' ? (t.failure_code ?? 'render_failed') : null,
        progress,
        planner: t.planner ?? null,
        created_at: t.created_at.toISOString(),
        started_at: t.started_at?.toISOString() ?? null,
        finished_at: t.finished_at?.toISOString() ?? null,
        priority: t.priority,
        queue_position: waiting.get(t.id)?.position ?? null,
        eta_s: waiting.get(t.id)?.eta ?? null,
        scenes: this.sceneViews(t, taskScenes, taskResources.filter((r) => r.kind === 'clip'), postered),
        version: (t.version_id && versions.get(t.version_id)) || null,
        result:
          t.status === 'completed' && final
            ? {
                video_url: `${base}/video`,
                duration: final.duration,
                bytes: final.bytes,
                resolution: final.resolution,
                storyboard: taskScenes.map((s) => ({
                  scene_number: s.scene_number,
                  description: s.description,
                  subtitle: s.subtitle,
                  camera: s.camera_settings,
                  duration_sec: s.duration_sec,
                })),
                clips: taskResources
                  .filter((r) => r.kind === 'clip' && r.scene_id)
                  .map((r) => ({
                    scene_number: sceneNumberOf.get(r.scene_id!) ?? 0,
                    url: `${base}/clips/${sceneNumberOf.get(r.scene_id!) ?? 0}`,
                    duration: r.duration,
                    frame_rate: r.frame_rate,
                    resolution: r.resolution,
                  }))
                  .sort((a, b) => a.scene_number - b.scene_number),
              }
            : null,
      };
    });
  }
}

/** Whoever started the task, or an admin: they may see it, cancel it and delete it. */
function startedByOrAdmin(task: Task, user: AuthenticatedUser): boolean {
  return task.owner_id === user.id || user.role === 'admin';
}
