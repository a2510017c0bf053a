import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';

/** A token an admin issued to a render worker host; the plaintext was shown once and is not kept. */
@Entity('worker_tokens')
@Index('IDX_worker_tokens_token_hash', ['token_hash'], { unique: true })
@Index('IDX_worker_tokens_active_name', ['name'], { unique: true, where: `"revoked_at" IS NULL` })
export class WorkerToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** SHA-256 of the plaintext, lower-case hex. */
  @Column({ type: 'varchar', length: 64 })
  token_hash: string;

  /** The admin who issued it; null once that user is gone. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  created_by: string | null;

  /** Declares the foreign key (never loaded). */
  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'FK_worker_tokens_created_by' })
  creator?: User;

  /** Set here, not by the database: SQLite's default keeps whole seconds, and the list sorts by it. */
  @Column({ type: Date })
  created_at: Date;

  @Column({ type: Date, nullable: true })
  last_used_at: Date | null;

  @Column({ type: Date, nullable: true })
  revoked_at: Date | null;
}
