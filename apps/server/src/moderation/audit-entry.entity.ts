import type { AuditKind } from '@reelcraft/shared';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The audit log: filter hits and admin actions. Only ever inserted; the API has no way to change or delete a row. */
@Entity('audit_log')
@Index('IDX_audit_log_at', ['at'])
@Index('IDX_audit_log_username_at', ['username', 'at'])
export class AuditEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Set here, not by the database (SQLite's default has whole seconds and the log sorts by it). */
  @Column({ type: Date })
  at: Date;

  @Column({ type: 'varchar', length: 16 })
  kind: AuditKind;

  @Column({ type: 'varchar', length: 40 })
  action: string;

  @Column({ type: 'varchar', length: 36, nullable: true })
  user_id: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  username: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  target: string | null;

  @Column({ type: 'simple-json' })
  detail: Record<string, unknown>;
}
