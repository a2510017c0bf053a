import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A piece of music in the studio's library, uploaded by an admin with its licence note. */
@Entity('music_tracks')
export class MusicTrack {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Where it comes from and what its licence allows, as the admin wrote it. */
  @Column({ type: 'varchar', length: 500 })
  licence: string;

  @Column({ type: 'varchar', length: 8 })
  format: string;

  /** Relative to DATA_DIR. */
  @Column({ type: 'varchar', length: 300 })
  file_path: string;

  @Column({ type: 'float' })
  duration: number;

  @Column({ type: 'integer' })
  bytes: number;

  @Column({ type: 'varchar', length: 36 })
  uploaded_by: string;

  @Column({ type: Date })
  created_at: Date;
}
