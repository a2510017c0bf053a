import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';
import { Project } from './project.entity';
import type { ProjectRole } from '@reelcraft/shared';

/** Who may open a project, and as what. Owners are members too (a project can have several). */
@Entity('project_members')
@Index('IDX_project_members_project_user', ['project_id', 'user_id'], { unique: true })
@Check('CHK_project_members_role', `"role" IN ('owner', 'editor', 'viewer')`)
export class ProjectMember {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  project_id: string;

  /** Declare the foreign keys (migration 1765500000000): a deleted project's memberships go with it; never loaded. */
  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_project_members_project' })
  project?: Project;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_project_members_user' })
  user?: User;

  /** "Shared with me" looks members up by user. */
  @Index('IDX_project_members_user_id')
  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  @Column({ type: 'varchar', length: 16 })
  role: ProjectRole;

  @CreateDateColumn()
  added_at: Date;
}
