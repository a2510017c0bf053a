import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The take someone picked for a scene. It holds while the scene's content is what it was when
 * picked (`scene_hash`); once the scene is edited the next render draws or finds the matching one.
 */
@Entity('take_selections')
export class TakeSelection {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  project_id: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  scene_id: string;

  @Column({ type: 'varchar', length: 36 })
  take_id: string;

  @Column({ type: 'varchar', length: 64 })
  scene_hash: string;

  @Column({ type: 'varchar', length: 36 })
  selected_by: string;

  @Column({ type: Date })
  selected_at: Date;
}
