import type { PlannerRecord } from '@reelcraft/shared';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A storyboard project: who made it, and the seed-API task it was made for, if any. */
@Entity('projects')
export class Project {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** One of the project's owners, the one it is listed under; kept pointing at a member who is an owner. */
  @Index('IDX_projects_owner_id')
  @Column({ type: 'varchar', length: 36 })
  owner_id: string;

  @Index('IDX_projects_task_id')
  @Column({ type: 'varchar', length: 36, nullable: true })
  task_id: string | null;

  /** Which planner wrote the storyboard from the prompt, and why it fell back if it did; null when none did. */
  @Column({ type: 'simple-json', nullable: true })
  planner: PlannerRecord | null;

  @CreateDateColumn()
  created_at: Date;

  @UpdateDateColumn()
  updated_at: Date;
}
