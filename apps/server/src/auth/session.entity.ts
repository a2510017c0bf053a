import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A login. The token itself is never stored, only its SHA-256, so a database dump cannot be replayed. */
@Entity('sessions')
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('IDX_sessions_user_id')
  @Column({ type: 'varchar', length: 36 })
  user_id: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  token_hash: string;

  @CreateDateColumn()
  created_at: Date;

  @Column({ type: Date })
  expires_at: Date;

  @Column({ type: Date, nullable: true })
  revoked_at: Date | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  user_agent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  address: string | null;
}
