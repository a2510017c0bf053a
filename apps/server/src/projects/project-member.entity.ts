import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ProjectRole } from '@reelcraft/shared';

/** Who may open a project, and as what. Owners are members too (a project can have several). */
@Entity('project_members')
@Index('IDX_project_members_project_user', ['project_id', 'user_id'], { unique: true })
export class ProjectMember {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  project_id: string;

  /** "Shared with me" looks members up by user. */
  @Index('IDX_project_members_user_id')
  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  @Column({ type: 'varchar', length: 16 })
  role: ProjectRole;

  @CreateDateColumn()
  added_at: Date;
}
