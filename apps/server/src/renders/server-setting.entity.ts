import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Switches an admin flips at run time that must survive a restart (the queue's pause). */
@Entity('server_settings')
export class ServerSetting {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
