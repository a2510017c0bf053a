import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { TakeSelection } from './take-selection.entity';
import { Take } from './take.entity';

/** Whose takes a render may reuse: its project's (every member could watch them), or for a task without a project its owner's own. */
export type TakeScope = { projectId: string } | { ownerId: string };

/**
 * The takes (every clip a render drew for a scene, kept apart from its task) and the take picked
 * for each scene. Abstract, so Nest injects it by type and the services above it get unit tests
 * against the in-memory one (testing/memory-takes.ts); take.repository.spec.ts holds both to one
 * contract on SQLite and PostgreSQL.
 */
export abstract class TakeRepository {
  abstract insert(take: Take): Promise<void>;
  /** A take of the project, optionally of that scene only. */
  abstract find(projectId: string, takeId: string, sceneId?: string): Promise<Take | null>;
  abstract byIds(ids: readonly string[]): Promise<Take[]>;
  /** A scene's takes, newest first. */
  abstract forScene(projectId: string, sceneId: string): Promise<Take[]>;
  /** The takes of these content hashes a render in that scope may reuse, newest first. */
  abstract reusable(scope: TakeScope, hashes: readonly string[]): Promise<Take[]>;
  /** How many takes the project keeps, and their bytes. */
  abstract usage(projectId: string): Promise<{ count: number; bytes: number }>;
  /** Removes a take and any pick of it; the deleted take, or null when there was none. */
  abstract delete(projectId: string, takeId: string): Promise<Take | null>;

  abstract selection(projectId: string, sceneId: string): Promise<TakeSelection | null>;
  abstract selections(projectId: string): Promise<TakeSelection[]>;
  /** Picks a take for a scene, replacing an earlier pick. */
  abstract select(selection: TakeSelection): Promise<void>;
}

@Injectable()
export class TypeOrmTakeRepository extends TakeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  private get takes() {
    return this.db.getRepository(Take);
  }

  async insert(take: Take): Promise<void> {
    // A copy: TypeORM writes what it reads back into the object it inserts.
    await this.takes.insert({ ...take, params: { ...take.params } });
  }

  find(projectId: string, takeId: string, sceneId?: string): Promise<Take | null> {
    return this.takes.findOne({ where: { id: takeId, project_id: projectId, ...(sceneId !== undefined ? { storyboard_scene_id: sceneId } : {}) } });
  }

  async byIds(ids: readonly string[]): Promise<Take[]> {
    return ids.length ? this.takes.find({ where: { id: In([...ids]) } }) : [];
  }

  forScene(projectId: string, sceneId: string): Promise<Take[]> {
    return this.takes.find({ where: { project_id: projectId, storyboard_scene_id: sceneId }, order: { created_at: 'DESC', id: 'ASC' } });
  }

  async reusable(scope: TakeScope, hashes: readonly string[]): Promise<Take[]> {
    if (!hashes.length) return [];
    const owned = 'projectId' in scope ? { project_id: scope.projectId } : { project_id: IsNull(), created_by: scope.ownerId };
    return this.takes.find({ where: { ...owned, content_hash: In([...new Set(hashes)]) }, order: { created_at: 'DESC', id: 'ASC' } });
  }

  async usage(projectId: string): Promise<{ count: number; bytes: number }> {
    const row: { count: number | string; bytes: number | string | null } | undefined = await this.takes
      .createQueryBuilder('t')
      .select('COUNT(*)', 'count')
      .addSelect('SUM(t.bytes)', 'bytes')
      .where('t.project_id = :projectId', { projectId })
      .getRawOne();
    // PostgreSQL returns COUNT and SUM as strings (bigint), SQLite as numbers.
    return { count: Number(row?.count ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  delete(projectId: string, takeId: string): Promise<Take | null> {
    return this.db.transaction(async (m) => {
      const take = await m.getRepository(Take).findOne({ where: { id: takeId, project_id: projectId } });
      if (!take) return null;
      await m.getRepository(TakeSelection).delete({ project_id: projectId, take_id: takeId });
      await m.getRepository(Take).delete({ id: takeId });
      return take;
    });
  }

  selection(projectId: string, sceneId: string): Promise<TakeSelection | null> {
    return this.db.getRepository(TakeSelection).findOne({ where: { project_id: projectId, scene_id: sceneId } });
  }

  selections(projectId: string): Promise<TakeSelection[]> {
    return this.db.getRepository(TakeSelection).find({ where: { project_id: projectId } });
  }

  async select(selection: TakeSelection): Promise<void> {
    await this.db.getRepository(TakeSelection).upsert({ ...selection }, ['project_id', 'scene_id']);
  }
}

/** A take's files, relative to DATA_DIR: what deleting it must remove. */
export const takeFiles = (t: Pick<Take, 'clip_path' | 'poster_path' | 'last_frame_path'>): string[] =>
  [t.clip_path, t.poster_path, t.last_frame_path].filter((p): p is string => !!p);
