import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Camera } from '@reelcraft/shared';
import { Task } from './task.entity';

export type SceneStatus = 'pending' | 'rendering' | 'done' | 'failed' | 'cancelled';

/** The original design's Scenes table, extended with the subtitle text. */
@Entity('scenes')
@Index('IDX_scenes_task_scene', ['task_id', 'scene_number'], { unique: true })
@Check('CHK_scenes_status', `"status" IN ('pending', 'rendering', 'done', 'failed', 'cancelled')`)
export class Scene {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  task_id: string;

  /** Declares the foreign key on task_id (migration 1765500000000); never loaded. */
  @ManyToOne(() => Task, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'FK_scenes_task' })
  task?: Task;

  @Column({ type: 'integer' })
  scene_number: number;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'text', default: '' })
  subtitle: string;

  @Column({ type: 'simple-json' })
  camera_settings: Camera;

  @Column({ type: 'integer' })
  duration_sec: number;

  /** The storyboard scene it renders; null for a plan straight from a planner. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  storyboard_scene_id: string | null;

  /** Hash of everything that decides the scene's pixels (see scene-hash.ts). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  content_hash: string | null;

  /**
   * pending → rendering (a render worker draws it) → done (its clip exists: drawn now, or reused,
   * then `cached`), or failed / cancelled with its task. Always written; the default covers
   * renders from before scenes had a state.
   */
  @Column({ type: 'varchar', length: 16, default: 'done' })
  status: SceneStatus;

  /** When a render worker last started drawing it (a retry after a worker died starts it again). */
  @Column({ type: Date, nullable: true })
  started_at: Date | null;

  @Column({ type: 'boolean', default: false })
  cached: boolean;

  /** The take (clip) the render uses for this scene. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  take_id: string | null;
}
