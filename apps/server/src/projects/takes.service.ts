import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { planFromStoryboard, type ProjectDiskView, type TakeView } from '@reelcraft/shared';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource, In } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RenderQueue } from '../renders/render-queue';
import { rendererIdentity, type SceneContentParams } from '../renders/scene-hash';
import { hashPlanScenes } from '../renders/scene-plan';
import type { Take } from '../renders/take.entity';
import { TakeRepository, takeFiles } from '../renders/take.repository';
import { Task } from '../renders/task.entity';
import { VideoResource } from '../renders/video-resource.entity';
import { User } from '../users/user.entity';
import { ProjectsService } from './projects.service';
import { apiError } from '../common/api-error';

/**
 * A scene's takes: every clip a render drew for it, side by side. Members see them; editors pick
 * the one the edit uses (it holds while the scene stays as it was) or delete one.
 */
@Injectable()
export class TakesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly takes: TakeRepository,
    private readonly projects: ProjectsService,
    private readonly queue: RenderQueue,
  ) {}

  async list(user: AuthenticatedUser, projectId: string, sceneId: string): Promise<TakeView[]> {
    await this.projects.open(user, projectId);
    const current = (await this.current(user, projectId)).get(sceneId)?.hash;
    const [takes, selection] = await Promise.all([this.takes.forScene(projectId, sceneId), this.takes.selection(projectId, sceneId)]);
    const names = new Map((await this.db.getRepository(User).find({ where: { id: In([...new Set(takes.map((t) => t.created_by))]) } })).map((u) => [u.id, u.username]));
    return takes.map((t) => ({
      id: t.id,
      scene_id: t.storyboard_scene_id,
      created_at: t.created_at.toISOString(),
      created_by: names.get(t.created_by) ?? '',
      duration: t.duration,
      bytes: t.bytes,
      clip_url: `/api/projects/${projectId}/takes/${t.id}/clip`,
      poster_url: t.poster_path ? `/api/projects/${projectId}/takes/${t.id}/poster` : null,
      params: { ...t.params },
      matches_current: t.content_hash === current,
      selected: selection?.take_id === t.id && selection.scene_hash === current,
    }));
  }

  /** The next render uses this take for the scene, as long as the scene stays as it is now. */
  async select(user: AuthenticatedUser, projectId: string, sceneId: string, takeId: string): Promise<TakeView[]> {
    await this.projects.open(user, projectId, 'edit');
    const take = await this.takeOf(projectId, sceneId, takeId);
    const current = (await this.current(user, projectId)).get(sceneId);
    if (!current) throw apiError(404, 'scene_not_found', `no scene ${sceneId} in this storyboard`);
    // The edit's timeline, subtitles and encoding follow the scene: a take of another length, size or frame rate would not fit it.
    const { duration_sec, width, height, fps } = current.params;
    const p = take.params;
    if (p.duration_sec !== duration_sec || p.width !== width || p.height !== height || p.fps !== fps) {
      throw apiError(409, 'take_mismatch', `this take was drawn at ${p.duration_sec} s, ${p.width}×${p.height}, ${p.fps} fps; the scene is now ${duration_sec} s, ${width}×${height}, ${fps} fps`);
    }
    await this.takes.select({ project_id: projectId, scene_id: sceneId, take_id: takeId, scene_hash: current.hash, selected_by: user.id, selected_at: new Date() });
    return this.list(user, projectId, sceneId);
  }

  async remove(user: AuthenticatedUser, projectId: string, sceneId: string, takeId: string): Promise<void> {
    await this.projects.open(user, projectId, 'edit');
    const take = await this.takeOf(projectId, sceneId, takeId);
    const running = await this.db.getRepository(Task).exists({ where: { project_id: projectId, status: 'running' } });
    if (running) throw apiError(409, 'render_running', 'a render of this project is running: delete takes once it has finished');
    await this.takes.delete(projectId, take.id);
    await Promise.all(takeFiles(take).map((path) => rm(join(this.config.dataDir, path), { force: true })));
    if (take.last_frame_path) await rm(join(this.config.dataDir, take.last_frame_path), { force: true });
  }

  /** A take's clip or poster file, for members of its project. */
  async file(user: AuthenticatedUser, projectId: string, takeId: string, kind: 'clip' | 'poster'): Promise<string> {
    await this.projects.open(user, projectId);
    const take = await this.takes.find(projectId, takeId);
    const path = kind === 'clip' ? take?.clip_path : take?.poster_path;
    if (!path) throw new NotFoundException(`no ${kind} for take ${takeId}`);
    return join(this.config.dataDir, path);
  }

  async disk(user: AuthenticatedUser, projectId: string): Promise<ProjectDiskView> {
    await this.projects.open(user, projectId);
    const takes = await this.takes.usage(projectId);
    const tasks = await this.db.getRepository(Task).find({ select: { id: true }, where: { project_id: projectId } });
    const finals = tasks.length ? await this.db.getRepository(VideoResource).find({ select: { bytes: true }, where: { task_id: In(tasks.map((t) => t.id)), kind: 'final' } }) : [];
    const sum = (rows: { bytes: number }[]) => rows.reduce((n, r) => n + Number(r.bytes), 0);
    const view = { takes, renders: { count: finals.length, bytes: sum(finals) } };
    return { ...view, total_bytes: view.takes.bytes + view.renders.bytes };
  }

  private async takeOf(projectId: string, sceneId: string, takeId: string): Promise<Take> {
    const take = await this.takes.find(projectId, takeId, sceneId);
    if (!take) throw apiError(404, 'take_not_found', `no take ${takeId} of this scene`);
    return take;
  }

  /** Each scene's hash and parameters as the storyboard is now, as the next render would compute them. */
  private async current(user: AuthenticatedUser, projectId: string): Promise<Map<string, { hash: string; params: SceneContentParams }>> {
    const plan = planFromStoryboard(await this.projects.storyboard(user, projectId));
    const renderer = await rendererIdentity(await this.queue.diffusionDir());
    const hashed = await hashPlanScenes(this.db, projectId, plan, plan.style!, renderer);
    return new Map(hashed.filter((h) => h.scene.id).map((h) => [h.scene.id!, { hash: h.hash, params: h.params }]));
  }
}
