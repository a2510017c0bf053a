import type { MusicTrack } from '../music/music-track.entity';
import { MusicTrackRepository } from '../music/music-track.repository';

/** MusicTrackRepository in memory, held to the database one's behaviour by its contract suite. */
export class MemoryMusicTrackRepository extends MusicTrackRepository {
  private readonly tracks = new Map<string, MusicTrack>();

  async list(): Promise<MusicTrack[]> {
    return [...this.tracks.values()]
      .sort((a, b) => compare(a.name, b.name) || a.created_at.getTime() - b.created_at.getTime() || compare(a.id, b.id))
      .map(copy);
  }

  async findById(id: string): Promise<MusicTrack | null> {
    const t = this.tracks.get(id);
    return t ? copy(t) : null;
  }

  async insert(track: MusicTrack): Promise<void> {
    if (this.tracks.has(track.id)) throw new Error(`music track ${track.id} exists already`);
    this.tracks.set(track.id, copy(track));
  }

  async delete(id: string): Promise<MusicTrack | null> {
    const t = this.tracks.get(id) ?? null;
    this.tracks.delete(id);
    return t;
  }
}

/**
 * Code-unit order: SQLite's BINARY collation. PostgreSQL sorts by its database's collation, which
 * agrees for the plain lowercase names the contract suite uses and may differ for others.
 */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const copy = (t: MusicTrack): MusicTrack => ({ ...t, created_at: new Date(t.created_at) });
