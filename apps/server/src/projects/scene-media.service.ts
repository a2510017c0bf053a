import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { sha256File } from '@reelcraft/inference';
import { sceneIndexOf, updateSceneField, type SceneMediaView } from '@reelcraft/shared';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CollabDocuments } from '../collab/collab-documents';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { UnusableMedia, checkSceneMedia, unusableMedia } from '../media/media-check';
import { SceneMedia } from '../media/scene-media.entity';
import { ProjectsService } from './projects.service';
import { apiError } from '../common/api-error';

/** Where scene uploads live under DATA_DIR. */
export const MEDIA_DIR = 'media';

/** An upload as multer leaves it on disk. */
export interface UploadedFile {
  path: string;
  size: number;
  originalname: string;
}

/**
 * A scene's own picture or clip instead of a generated one. The file is checked by its content
 * before anything is kept; a refused upload leaves nothing behind. The scene points at it through
 * its `media_id` in the live storyboard, so every editor sees the change at once.
 */
@Injectable()
export class SceneMediaService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly projects: ProjectsService,
    private readonly documents: CollabDocuments,
  ) {}

  async attach(user: AuthenticatedUser, projectId: string, sceneId: string, file: UploadedFile | undefined): Promise<SceneMediaView> {
    try {
      if (!file) throw apiError(400, 'file_missing', 'send the picture or clip as the multipart field "file"');
      await this.projects.open(user, projectId, 'edit');
      await this.sceneOrFail(projectId, sceneId);
      let checked;
      try {
        checked = await checkSceneMedia(file.path);
      } catch (err) {
        if (err instanceof UnusableMedia) throw unusableMedia(err);
        throw err;
      }
      const id = randomUUID();
      const relPath = join(MEDIA_DIR, `${id}.${checked.format}`);
      await mkdir(join(this.config.dataDir, MEDIA_DIR), { recursive: true });
      const sha256 = await sha256File(file.path);
      await rename(file.path, join(this.config.dataDir, relPath));
      const row: SceneMedia = {
        id,
        project_id: projectId,
        ...checked,
        file_path: relPath,
        bytes: file.size,
        sha256,
        original_name: file.originalname.slice(0, 200),
        uploaded_by: user.id,
        created_at: new Date(),
      };
      await this.db.getRepository(SceneMedia).insert(row);
      const set = await this.setSceneMedia(projectId, sceneId, id, user.id);
      if (!set) {
        await this.discard(row);
        throw apiError(404, 'scene_not_found', `scene ${sceneId} was deleted meanwhile`);
      }
      return viewOf(projectId, row);
    } finally {
      // Checked and moved, or refused: the temporary file never stays.
      if (file) await rm(file.path, { force: true });
    }
  }

  /** The scene is drawn again; the file goes once no scene of the project uses it. */
  async detach(user: AuthenticatedUser, projectId: string, sceneId: string): Promise<void> {
    await this.projects.open(user, projectId, 'edit');
    await this.sceneOrFail(projectId, sceneId);
    await this.setSceneMedia(projectId, sceneId, undefined, user.id);
  }

  async get(user: AuthenticatedUser, projectId: string, mediaId: string): Promise<{ view: SceneMediaView; path: string }> {
    await this.projects.open(user, projectId);
    const row = await this.db.getRepository(SceneMedia).findOne({ where: { id: mediaId, project_id: projectId } });
    if (!row) throw apiError(404, 'media_not_found', `no media ${mediaId} in this project`);
    return { view: viewOf(projectId, row), path: join(this.config.dataDir, row.file_path) };
  }

  private async sceneOrFail(projectId: string, sceneId: string): Promise<void> {
    const found = await this.documents.with(projectId, (hosted) => sceneIndexOf(hosted.doc, sceneId) >= 0);
    if (!found) throw apiError(404, 'scene_not_found', `no scene ${sceneId} in this storyboard`);
  }

  private async setSceneMedia(projectId: string, sceneId: string, mediaId: string | undefined, userId: string): Promise<boolean> {
    let found = false;
    await this.documents.applyServerChange(
      projectId,
      (doc) => {
        const index = sceneIndexOf(doc, sceneId);
        if (index < 0) return;
        found = true;
        updateSceneField(doc, index, 'media_id', mediaId);
      },
      userId,
    );
    return found;
  }

  private async discard(row: SceneMedia): Promise<void> {
    await this.db.getRepository(SceneMedia).delete({ id: row.id });
    await rm(join(this.config.dataDir, row.file_path), { force: true });
  }
}

function viewOf(projectId: string, m: SceneMedia): SceneMediaView {
  return {
    id: m.id,
    kind: m.kind,
    format: m.format,
    width: m.width,
    height: m.height,
    duration: m.duration,
    bytes: m.bytes,
    original_name: m.original_name,
    url: `/api/projects/${projectId}/media/${m.id}`,
  };
}
