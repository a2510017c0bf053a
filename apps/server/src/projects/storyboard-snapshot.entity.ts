import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * DbStoryboardStore's table: one Yjs update (Y.encodeStateAsUpdate) per project. Stored as base64
 * text because a byte column has a different type on each database and this table only bridges
 * until the collab module's update log takes over; the overhead is a third on a small document.
 */
@Entity('storyboard_snapshots')
export class StoryboardSnapshot {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  project_id: string;

  @Column({ type: 'text' })
  state: string;

  @UpdateDateColumn()
  updated_at: Date;
}
