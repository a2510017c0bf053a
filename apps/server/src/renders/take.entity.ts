import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SceneContentParams } from './scene-hash';

/**
 * One rendered clip of a scene, kept after its render: a later render of the same content (same
 * hash, see scene-hash.ts) in the same project reuses it instead of drawing the scene again.
 * Files live under DATA_DIR/takes/, apart from any task, so deleting a render keeps its takes.
 */
@Entity('takes')
@Index('IDX_takes_project_hash', ['project_id', 'content_hash'])
export class Take {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Null for a task that has no project (its takes are then reused within that owner's renders). */
  @Column({ type: 'varchar', length: 36, nullable: true })
  project_id: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  storyboard_scene_id: string | null;

  @Column({ type: 'varchar', length: 64 })
  content_hash: string;

  /** Relative to DATA_DIR. */
  @Column({ type: 'varchar', length: 300 })
  clip_path: string;

  @Column({ type: 'varchar', length: 300, nullable: true })
  poster_path: string | null;

  /** Relative to DATA_DIR: the clip's last frame, raw RGB24, which a chained next scene starts from; null for a take from before chaining, or an uploaded picture's or clip's. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  last_frame_path: string | null;

  /** What decided its pixels, as hashed: for the takes panel. */
  @Column({ type: 'simple-json' })
  params: SceneContentParams;

  @Column({ type: 'varchar', length: 36 })
  created_by: string;

  @Column({ type: 'varchar', length: 36 })
  task_id: string;

  @Column({ type: 'float' })
  duration: number;

  @Column({ type: 'integer' })
  bytes: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ type: Date })
  created_at: Date;
}
