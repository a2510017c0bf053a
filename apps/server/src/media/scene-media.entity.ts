import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An image or clip uploaded for a scene of a project, checked by its content (scene-media.ts). */
@Entity('scene_media')
@Index('IDX_scene_media_project', ['project_id'])
@Check('CHK_scene_media_kind', `"kind" IN ('image', 'video')`)
export class SceneMedia {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  project_id: string;

  @Column({ type: 'varchar', length: 8 })
  kind: 'image' | 'video';

  /** What the bytes are (`jpeg`, `png`, `webp`, `mp4`, `webm`), whatever the file was called. */
  @Column({ type: 'varchar', length: 8 })
  format: string;

  /** Relative to DATA_DIR. */
  @Column({ type: 'varchar', length: 300 })
  file_path: string;

  @Column({ type: 'integer' })
  bytes: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ type: 'integer' })
  width: number;

  @Column({ type: 'integer' })
  height: number;

  /** Seconds; 0 for an image. */
  @Column({ type: 'float' })
  duration: number;

  @Column({ type: 'varchar', length: 200 })
  original_name: string;

  @Column({ type: 'varchar', length: 36 })
  uploaded_by: string;

  @Column({ type: Date })
  created_at: Date;
}
