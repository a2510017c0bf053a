import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Task } from './task.entity';

export type VideoResourceKind = 'clip' | 'final';

/** One file on disk: a scene's clip (scene_id set) or a task's final video (scene_id null). */
@Entity('video_resources')
@Check('CHK_video_resources_kind', `"kind" IN ('clip', 'final')`)
export class VideoResource {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('IDX_video_resources_task_id')
  @Column({ type: 'varchar', length: 36 })
  task_id: string;

  /** Declares the foreign key on task_id (migration 1765500000000); never loaded. */
  @ManyToOne(() => Task, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'FK_video_resources_task' })
  task?: Task;

  @Column({ type: 'varchar', length: 36, nullable: true })
  scene_id: string | null;

  @Column({ type: 'varchar', length: 8 })
  kind: VideoResourceKind;

  /** Relative to DATA_DIR, so a data folder can be moved as a whole. */
  @Column({ type: 'text' })
  file_path: string;

  @Column({ type: 'integer' })
  frame_rate: number;

  @Column({ type: 'varchar', length: 16 })
  resolution: string;

  @Column({ type: 'double precision' })
  duration: number;

  /** bigint: a long video passes 2 GiB; the driver hands bigint back as a string. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  bytes: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @CreateDateColumn()
  created_at: Date;
}
