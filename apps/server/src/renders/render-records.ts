import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import { Scene } from './scene.entity';
import type { Take } from './take.entity';
import { VideoResource } from './video-resource.entity';

/** A scene row as a render first writes it. */
export type NewSceneRow = Omit<Scene, 'started_at'>;

/**
 * What a render writes about its task as it goes: one row per scene with its state, and the
 * videos (each scene's clip, the final MP4). Abstract, so Nest injects it by type; the TypeORM
 * one is the only one, the render path reads through it instead of reaching into tables.
 */
export abstract class RenderRecords {
  /** Forgets what an earlier attempt of the task wrote (its scene rows and videos; the takes stay). */
  abstract reset(taskId: string): Promise<void>;
  abstract addScenes(rows: NewSceneRow[]): Promise<void>;
  /** A render worker started drawing the scene; no change once the scene has ended. */
  abstract sceneStarted(sceneId: string, at: Date): Promise<void>;
  abstract sceneDone(sceneId: string, takeId: string): Promise<void>;
  /** A scene that never finished: failed, or cancelled with its task; no change once it has ended. */
  abstract sceneStopped(sceneId: string, status: 'failed' | 'cancelled'): Promise<void>;
  abstract addVideo(video: VideoResource): Promise<void>;
}

@Injectable()
export class TypeOrmRenderRecords extends RenderRecords {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async reset(taskId: string): Promise<void> {
    // No transaction: on SQLite TypeORM has one connection, and two tasks starting at once would
    // nest theirs ("cannot start a transaction within a transaction"). Only this task's rows, written by this task alone.
    await this.db.getRepository(VideoResource).delete({ task_id: taskId });
    await this.db.getRepository(Scene).delete({ task_id: taskId });
  }

  async addScenes(rows: NewSceneRow[]): Promise<void> {
    // Copies: TypeORM writes what it reads back into the objects it inserts (and on SQLite a
    // multi-row insert hands them each other's ids).
    if (rows.length) await this.db.getRepository(Scene).insert(rows.map((r) => ({ ...r })));
  }

  async sceneStarted(sceneId: string, at: Date): Promise<void> {
    await this.db.getRepository(Scene).update({ id: sceneId, status: In(['pending', 'rendering']) }, { status: 'rendering', started_at: at });
  }

  async sceneDone(sceneId: string, takeId: string): Promise<void> {
    await this.db.getRepository(Scene).update({ id: sceneId }, { status: 'done', take_id: takeId });
  }

  async sceneStopped(sceneId: string, status: 'failed' | 'cancelled'): Promise<void> {
    await this.db.getRepository(Scene).update({ id: sceneId, status: In(['pending', 'rendering']) }, { status });
  }

  async addVideo(video: VideoResource): Promise<void> {
    await this.db.getRepository(VideoResource).insert({ ...video });
  }
}

/** The record of a take used as one scene's clip in a task. */
export function clipVideo(taskId: string, sceneId: string, take: Take): VideoResource {
  const { width, height, fps } = take.params;
  return {
    id: randomUUID(),
    task_id: taskId,
    scene_id: sceneId,
    kind: 'clip',
    file_path: take.clip_path,
    frame_rate: fps,
    resolution: `${width}x${height}`,
    duration: take.duration,
    bytes: take.bytes,
    sha256: take.sha256,
    created_at: new Date(),
  };
}
