import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MusicTrack } from './music-track.entity';

/**
 * Where the music library's tracks are listed (their files live under DATA_DIR/music). Abstract,
 * so Nest injects it by type and MusicLibrary's unit tests use the in-memory one
 * (testing/memory-music-tracks.ts); music-track.repository.spec.ts holds both to one contract.
 */
export abstract class MusicTrackRepository {
  /** By name, then oldest first. */
  abstract list(): Promise<MusicTrack[]>;
  abstract findById(id: string): Promise<MusicTrack | null>;
  abstract insert(track: MusicTrack): Promise<void>;
  /** The deleted track, or null when there was none. */
  abstract delete(id: string): Promise<MusicTrack | null>;
}

@Injectable()
export class TypeOrmMusicTrackRepository extends MusicTrackRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  private get tracks() {
    return this.db.getRepository(MusicTrack);
  }

  list(): Promise<MusicTrack[]> {
    return this.tracks.find({ order: { name: 'ASC', created_at: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<MusicTrack | null> {
    return this.tracks.findOne({ where: { id } });
  }

  async insert(track: MusicTrack): Promise<void> {
    // A copy: TypeORM writes what it reads back into the object it inserts.
    await this.tracks.insert({ ...track });
  }

  async delete(id: string): Promise<MusicTrack | null> {
    const track = await this.tracks.findOne({ where: { id } });
    // Only the deleter of the row gets it back: two admins deleting at once, one 404s.
    if (!track || !(await this.tracks.delete({ id })).affected) return null;
    return track;
  }
}
