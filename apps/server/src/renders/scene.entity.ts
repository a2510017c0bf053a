import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Camera } from '@reelcraft/shared';

/** The original design's Scenes table, extended with the subtitle text. */
@Entity('scenes')
@Index('IDX_scenes_task_scene', ['task_id', 'scene_number'], { unique: true })
export class Scene {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  task_id: string;

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
}
