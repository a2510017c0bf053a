import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@reelcraft/shared';

@Entity('users')
@Check('CHK_users_role', `"role" IN ('admin', 'user')`)
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  username: string;

  @Column({ type: 'varchar', length: 255 })
  password_hash: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role: Role;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Tasks this user may have rendering at once; null: RENDER_USER_CONCURRENCY. */
  @Column({ type: 'integer', nullable: true })
  max_running_tasks: number | null;

  /** Tasks this user may have waiting or rendering; null: USER_MAX_QUEUED_TASKS. */
  @Column({ type: 'integer', nullable: true })
  max_queued_tasks: number | null;

  @CreateDateColumn()
  created_at: Date;
}
