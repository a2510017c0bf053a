import type { FilterMatch, FilterStage, ReviewKind } from '@reelcraft/shared';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Text a `review` rule held for an admin: a task's prompt waits in `held` until it is decided. */
@Entity('review_items')
@Index('IDX_review_items_status_created', ['status', 'created_at'])
@Check('CHK_review_items_status', `"status" IN ('pending', 'approved', 'rejected')`)
export class ReviewItem {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: ReviewKind;

  @Column({ type: 'varchar', length: 36 })
  target_id: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'simple-json' })
  matches: FilterMatch[];

  @Column({ type: 'varchar', length: 24 })
  stage: FilterStage;

  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  @Column({ type: 'varchar', length: 64 })
  username: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: 'pending' | 'approved' | 'rejected';

  @Column({ type: 'varchar', length: 64, nullable: true })
  decided_by: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note: string | null;

  @Column({ type: Date })
  created_at: Date;

  @Column({ type: Date, nullable: true })
  decided_at: Date | null;
}
