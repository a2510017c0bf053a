import { Inject, Injectable } from '@nestjs/common';
import type { MusicTrackFields, MusicTrackView } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { UnusableMedia, checkAudio, unusableMedia } from '../media/media-check';
import { AuditLog } from '../moderation/audit-log';
import type { UploadedFile } from '../projects/scene-media.service';
import type { MusicTrack } from './music-track.entity';
import { MusicTrackRepository } from './music-track.repository';
import { apiError } from '../common/api-error';

const MUSIC_DIR = 'music';

/**
 * The studio's music library: admins upload tracks with a name and a licence note; everyone
 * picks one for a storyboard (its music settings' `file_id`). MUSIC_FILE stays the server's default.
 */
@Injectable()
export class MusicLibrary {
  constructor(
    private readonly tracks: MusicTrackRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  async list(): Promise<MusicTrackView[]> {
    return (await this.tracks.list()).map(viewOf);
  }

  async add(admin: AuthenticatedUser, fields: MusicTrackFields, file: UploadedFile | undefined): Promise<MusicTrackView> {
    try {
      if (!file) throw apiError(400, 'file_missing', 'send the audio as the multipart field "file"');
      let checked;
      try {
        checked = await checkAudio(file.path);
      } catch (err) {
        if (err instanceof UnusableMedia) throw unusableMedia(err);
        throw err;
      }
      const id = randomUUID();
      const relPath = join(MUSIC_DIR, `${id}.${checked.format}`);
      await mkdir(join(this.config.dataDir, MUSIC_DIR), { recursive: true });
      await rename(file.path, join(this.config.dataDir, relPath));
      const track: MusicTrack = { id, name: fields.name, licence: fields.licence, format: checked.format, file_path: relPath, duration: checked.duration, bytes: file.size, uploaded_by: admin.id, created_at: new Date() };
      await this.tracks.insert(track);
      await this.audit.record({ kind: 'admin_action', action: 'music.add', actor: { id: admin.id, username: admin.username }, target: id, detail: { name: track.name, licence: track.licence } });
      return viewOf(track);
    } finally {
      if (file) await rm(file.path, { force: true });
    }
  }

  async remove(admin: AuthenticatedUser, id: string): Promise<void> {
    const track = await this.tracks.delete(id);
    if (!track) throw apiError(404, 'track_not_found', `no music track ${id}`);
    await rm(join(this.config.dataDir, track.file_path), { force: true });
    await this.audit.record({ kind: 'admin_action', action: 'music.delete', actor: { id: admin.id, username: admin.username }, target: id, detail: { name: track.name } });
  }

  /** The file of a track, or null when there is none with that id (a render then falls back to MUSIC_FILE). */
  async pathOf(id: string): Promise<string | null> {
    const track = await this.tracks.findById(id);
    return track ? join(this.config.dataDir, track.file_path) : null;
  }
}

const viewOf = (t: MusicTrack): MusicTrackView => ({
  id: t.id,
  name: t.name,
  licence: t.licence,
  format: t.format,
  duration: t.duration,
  bytes: t.bytes,
  url: `/api/music/${t.id}/file`,
  created_at: t.created_at.toISOString(),
});
