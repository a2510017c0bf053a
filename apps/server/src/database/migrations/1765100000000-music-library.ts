import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/** The music library admins fill (music/music-track.entity.ts). */
export class MusicLibrary1765100000000 implements MigrationInterface {
  name = 'MusicLibrary1765100000000';

  async up(q: QueryRunner): Promise<void> {
    const { timestamp: ts } = sqlDialect(q);
    await q.query(`CREATE TABLE "music_tracks" (
      "id" varchar(36) PRIMARY KEY NOT NULL,
      "name" varchar(100) NOT NULL,
      "licence" varchar(500) NOT NULL,
      "format" varchar(8) NOT NULL,
      "file_path" varchar(300) NOT NULL,
      "duration" float NOT NULL,
      "bytes" integer NOT NULL,
      "uploaded_by" varchar(36) NOT NULL,
      "created_at" ${ts} NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "music_tracks"`);
  }
}
